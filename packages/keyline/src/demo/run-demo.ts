import { readFile, writeFile } from 'node:fs/promises';
import type { Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { Certificate, chainDefinitionFromJson, encodePem, type Clock, type RandomSource } from '@keyline/core';
import { DeviceIdentity } from '@keyline/device';
import { openTrayChip, traySerials, createTray } from '@keyline/se';
import { emulatorTlsKey } from '@keyline/se/emulator-tls';
import { pino } from 'pino';
import type { CaRecord } from '../ca/records.js';
import { CLI_ACTOR } from '../ca/service-port.js';
import { chainDefinitionPath, runFactoryBatch, type FactoryReport } from '../factory/index.js';
import { verifyManifest } from '../manifest/index.js';
import { createServer, hashTokenSecret, loadOrCreateServerTls, newTokenSecret } from '../server/index.js';
import { createMutualTlsServer, LocalRevocation } from '../server/mtls/index.js';
import {
  admitManufacturer,
  makeRoot,
  openDemoDeployment,
  type DemoDeployment,
  type DemoManufacturer,
} from './deployment.js';
import {
  attestOnce,
  connectOnce,
  listenLocal,
  round,
  type RoundResult,
  type VerificationService,
} from './device-rounds.js';
import { progressBar, type ProgressSink } from '../terminal/progress-bar.js';

export interface DemoOptions {
  /** A fresh data directory: the SQLite database, keys, trays and manifests go there. */
  readonly dataDir: string;
  /** Chips in the first manufacturer's factory batch (the second gets a tenth, at least 10). */
  readonly devices: number;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Narrative lines. */
  readonly say: (line: string) => void;
  /** Where the factory's progress bar draws. */
  readonly progress: ProgressSink;
}

interface CaView {
  readonly id: string;
  readonly subject: string;
  readonly fingerprint: string;
}

export interface DemoSummary {
  readonly dataDir: string;
  readonly root: CaView;
  readonly manufacturers: readonly {
    readonly name: string;
    readonly manufacturerId: string;
    readonly manufacturerCa: CaView;
    readonly issuingCa: CaView;
    readonly batch: Pick<
      FactoryReport,
      'batchId' | 'total' | 'done' | 'quarantined' | 'chipsPerSecond' | 'durationMs' | 'manifestPath'
    >;
    readonly manifest: { readonly ok: boolean; readonly entries: number; readonly code?: string };
  }[];
  readonly attestation: RoundResult;
  readonly mutualTls: RoundResult;
  readonly revocation: {
    readonly deviceId: string;
    readonly serial: string;
    readonly attestation: string;
    readonly mutualTls: string;
  };
  readonly ok: boolean;
}

const AUDIENCE = 'https://service.demo.example';
const CONCURRENCY = 16;
const MANUFACTURERS = [
  { name: 'Acme Sensors', manufacturerId: 'ac3e', productId: '0a01' },
  { name: 'Globex Devices', manufacturerId: '6b0e', productId: '0b02' },
] as const;

const view = (ca: CaRecord): CaView => ({ id: ca.id, subject: ca.subject, fingerprint: ca.fingerprint ?? '' });

/**
 * The main job end to end on the embedded default (issue 5, section 5): an ecosystem root, two
 * manufacturers with their CAs, a factory batch per manufacturer on emulated secure elements,
 * the manifests verified as a buyer would, the server started, every device attesting to the
 * verification service and connecting with mutual TLS, one device revoked and refused.
 */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { say } = options;
  const deployment = await openDemoDeployment(options.dataDir, options.clock, options.random);
  try {
    say(`Data directory ${options.dataDir} (SQLite, encrypted file keys, emulated ATECC608A chips)`);
    say('');
    say('1. Root ceremony: the ecosystem root CA (P-384, root profile, linted before it is signed)');
    const root = await makeRoot(deployment);
    const rootPem = join(options.dataDir, 'root.pem');
    await writeFile(rootPem, encodePem('CERTIFICATE', root.certificateDer!));
    say(`   ${root.subject}  SHA-256 ${(root.fingerprint ?? '').slice(0, 16)}…  (${rootPem})`);

    say('2. Two manufacturers admitted: a manufacturer CA under the root and a factory issuing CA each');
    const manufacturers: DemoManufacturer[] = [];
    for (const who of MANUFACTURERS) {
      const m = await admitManufacturer(deployment, root, who);
      manufacturers.push(m);
      say(`   ${m.name} (manufacturer id ${m.manufacturerId}): ${m.manufacturerCa.id} → ${m.issuingCa.id}`);
    }

    say('3. Factory line: keys made inside each chip, birth certificates issued, written compressed, chips locked');
    const batches: { m: DemoManufacturer; report: FactoryReport; tray: string }[] = [];
    for (const [k, m] of manufacturers.entries()) {
      const count = k === 0 ? options.devices : Math.max(10, Math.round(options.devices / 10));
      const tray = join(options.dataDir, 'trays', m.manufacturerId);
      await createTray(tray, count, options.random);
      const bar = progressBar(options.progress, `   ${m.name.padEnd(15)}`);
      const report = await runFactoryBatch(
        {
          ca: deployment.ca,
          store: deployment.store,
          keys: deployment.keys,
          clock: options.clock,
          random: options.random,
          dataDir: options.dataDir,
        },
        {
          caId: m.issuingCa.id,
          productId: m.productId,
          count,
          se: `emulator:${tray}`,
          stations: 8,
          onProgress: (p) => bar.update(p),
        },
      );
      bar.end();
      say(
        `   ${m.name}: ${report.done} chips provisioned, ${report.quarantined} quarantined, ` +
          `${Math.round(report.chipsPerSecond).toLocaleString('en')} chips/s`,
      );
      batches.push({ m, report, tray });
    }

    say('4. Manifests verified offline against the root, as a buyer does');
    const manifests: DemoSummary['manufacturers'][number]['manifest'][] = [];
    for (const { m, report } of batches) {
      const result = await verifyManifest(report.manifestPath, { trustRoot: root.certificateDer! });
      manifests.push(result.ok ? { ok: true, entries: result.count } : { ok: false, entries: 0, code: result.code });
      say(`   ${m.name}: ${result.ok ? `valid, ${result.count} devices` : `INVALID (${result.code})`}`);
    }
    say(
      `   (the same from the command line: keyline manifest verify --trust ${rootPem} ${batches[0]!.report.manifestPath})`,
    );

    say('5. The server: verification service (challenges, verify) and a mutual-TLS service for devices');
    const identities = await openIdentities(batches);
    const service = await startVerificationService(deployment, options);
    const mtls = await startMutualTlsService(deployment, root, options);
    try {
      say(`   ${service.url}/api/v1 and https://127.0.0.1:${mtls.port} (${identities.length} devices)`);

      say('6. Every device attests: nonce from the service, token signed inside the chip, verified by the service');
      const attestation = await round(identities, CONCURRENCY, (identity) => attestOnce(service, identity, AUDIENCE));
      say(`   ${attestation.accepted} accepted, ${attestation.refused.length} refused, ${attestation.perSecond}/s`);

      say('7. Every device connects with mutual TLS (chain checked by trust/, revocation from the records)');
      const mutualTls = await round(identities, CONCURRENCY, (identity) => connectOnce(mtls.port, mtls.ca, identity));
      say(`   ${mutualTls.accepted} accepted, ${mutualTls.refused.length} refused, ${mutualTls.perSecond}/s`);

      say('8. One device is revoked (key compromise); it is refused at once, everywhere');
      const victim = identities[0]!;
      const serial = Certificate.fromDer(victim.certificates[0]!).serialHex;
      const owner = batches.find((b) => b.m.manufacturerId === victim.manufacturerId)!.m;
      await deployment.ca.revoke({ caId: owner.issuingCa.id, serialHex: serial, reason: 'keyCompromise' }, CLI_ACTOR);
      const again = await attestOnce(service, victim, AUDIENCE);
      const reconnect = await connectOnce(mtls.port, mtls.ca, victim);
      const revocation = {
        deviceId: victim.deviceId,
        serial,
        attestation: again.ok ? 'accepted' : again.code,
        mutualTls: reconnect.ok ? 'accepted' : reconnect.code,
      };
      say(`   device ${victim.deviceId}: attestation ${revocation.attestation}, mutual TLS ${revocation.mutualTls}`);

      const total = identities.length;
      const ok =
        batches.every((b) => b.report.done + b.report.skipped === b.report.total) &&
        manifests.every((m) => m.ok) &&
        attestation.accepted === total &&
        mutualTls.accepted === total &&
        !again.ok &&
        !reconnect.ok;
      return {
        dataDir: options.dataDir,
        root: view(root),
        manufacturers: batches.map(({ m, report }, k) => ({
          name: m.name,
          manufacturerId: m.manufacturerId,
          manufacturerCa: view(m.manufacturerCa),
          issuingCa: view(m.issuingCa),
          batch: {
            batchId: report.batchId,
            total: report.total,
            done: report.done,
            quarantined: report.quarantined,
            chipsPerSecond: report.chipsPerSecond,
            durationMs: report.durationMs,
            manifestPath: report.manifestPath,
          },
          manifest: manifests[k]!,
        })),
        attestation,
        mutualTls,
        revocation,
        ok,
      };
    } finally {
      await service.close();
      mtls.server.close();
    }
  } finally {
    await deployment.close();
  }
}

/** Each provisioned chip, opened in process the way a device's firmware opens its own element. */
async function openIdentities(
  batches: readonly { readonly report: FactoryReport; readonly tray: string }[],
): Promise<DeviceIdentity[]> {
  const out: DeviceIdentity[] = [];
  for (const { report, tray } of batches) {
    const definition = chainDefinitionFromJson(await readFile(chainDefinitionPath(report.manifestPath), 'utf8'));
    for (const serial of await traySerials(tray)) {
      const chip = await openTrayChip(tray, serial);
      out.push(await DeviceIdentity.open(chip.element(), { definition, tlsKey: await emulatorTlsKey(chip) }));
    }
  }
  return out;
}

/** The Keyline server (REST API) on a free loopback port, with an API token for the relying service. */
async function startVerificationService(
  deployment: DemoDeployment,
  options: DemoOptions,
): Promise<VerificationService & { close(): Promise<void> }> {
  const token = newTokenSecret(options.random);
  await deployment.store.tokens.insert({
    id: `tok_${Buffer.from(options.random.bytes(10)).toString('hex')}`,
    name: 'demo relying service',
    role: 'auditor',
    manufacturerId: null,
    tokenHash: hashTokenSecret(token),
    createdAt: options.clock.now(),
    revokedAt: null,
  });
  const app = createServer({
    store: deployment.store,
    ca: deployment.ca,
    clock: options.clock,
    random: options.random,
    logger: pino({ level: 'silent' }),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}`, token, close: () => app.close() };
}

/** A device-facing HTTPS service that accepts only verified, unrevoked devices (server/mtls). */
async function startMutualTlsService(
  deployment: DemoDeployment,
  root: CaRecord,
  options: DemoOptions,
): Promise<{ server: HttpsServer; port: number; ca: string }> {
  const tls = await loadOrCreateServerTls({ dataDir: deployment.dataDir, host: 'localhost', clock: options.clock });
  const server = createMutualTlsServer({
    trustAnchors: root.certificateDer!,
    serverCert: tls.cert,
    serverKey: tls.key,
    revocation: new LocalRevocation(deployment.store),
    revocationScope: 'chain',
    clock: options.clock,
    handler: (request, response) => response.end(`hello ${request.device.deviceId}`),
  });
  const port = await listenLocal(server);
  return { server, port, ca: tls.cert };
}
