import { CLI_ACTOR } from '../../../src/ca/service-port.js';
import type { CaRecord } from '../../../src/ca/records.js';
import { issueTestDevice, type TestDevice } from './devices.js';
import type { ServerFixture } from './fixture.js';

/** The devices a verifier must tell apart, all in the fixture's one store. */
export interface DevicePopulation {
  /** Issued under `line1`, valid. */
  readonly good: TestDevice;
  /** Issued under `line1`, revoked for keyCompromise. */
  readonly revoked: TestDevice;
  /** Issued under another ecosystem: its own root, manufacturer CA and issuing CA. */
  readonly stranger: TestDevice;
  /** The stranger's root: active, so a test decides whether the server trusts it. */
  readonly otherRoot: CaRecord;
}

/** Issues a good, a revoked and a stranger's device in `f`'s store. */
export async function issueDevicePopulation(f: ServerFixture): Promise<DevicePopulation> {
  const good = await issueTestDevice(f.ca, f.line1, f.acme);
  const revoked = await issueTestDevice(f.ca, f.line1, f.acme);
  await f.ca.revoke({ caId: f.line1.id, serialHex: revoked.certificate.serialHex, reason: 'keyCompromise' }, CLI_ACTOR);
  const otherRoot = await f.ca.createRoot({ name: 'Other Root', organization: 'Elsewhere', label: 'other' }, CLI_ACTOR);
  const otherMaker = await f.ca.createCa(
    { parentId: otherRoot.id, name: 'Other Maker', kind: 'manufacturer', manufacturerId: 'acme', label: 'om' },
    CLI_ACTOR,
  );
  const otherLine = await f.ca.createCa(
    {
      parentId: otherMaker.id,
      name: 'Other Line',
      kind: 'issuing',
      manufacturerId: 'acme',
      productId: 'sensor-1',
      label: 'ol',
    },
    CLI_ACTOR,
  );
  const stranger = await issueTestDevice(f.ca, otherLine, otherMaker);
  return { good, revoked, stranger, otherRoot };
}
