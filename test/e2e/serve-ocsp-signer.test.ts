import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolOverEst, install, serve, sh, type Installation, type Served } from './support/server-process.js';

/**
 * `keyline serve --ocsp-workers`: the worker processes share the CAs, and a CA has one OCSP signer.
 * The primary makes every active CA's signer before it forks the workers (serve-ocsp-workers.ts),
 * so a burst of first requests to fresh CAs, spread over the workers, makes no other.
 */
let inst: Installation & { rootId: string; acmeId: string; line1Id: string };
let server: Served;
let ocspUrl = '';

interface Row {
  readonly id: string;
  readonly ca_id: string;
  readonly profile: string;
  readonly status: string;
  readonly der: Uint8Array | null;
}

interface CaRow {
  readonly id: string;
  readonly ocsp_signer_der: Uint8Array | null;
}

const signerRows = async (): Promise<Row[]> =>
  ((await inst.snapshot())['certificates'] as Row[]).filter((r) => r.profile === 'ocsp-signer');

beforeAll(async () => {
  inst = install('keyline-e2e-ocsp-signer-');
  expect(await signerRows()).toEqual([]);
  server = await serve(inst, '--ocsp-port', '0', '--ocsp-workers', '2');
  ocspUrl = /ocsp on (http:\/\/\S+)/.exec(server.stdout())![1]!;
  const { ca } = await enrolOverEst(inst, server, '00112233aabbccdd', inst.line1Id);
  await sh('sh', ['-c', `cat > issuer.pem <<'X'\n${ca.certificatePem}X`], { cwd: inst.dir });
}, 90_000);
afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop();
  inst?.remove();
});

describe('keyline serve --ocsp-port 0 --ocsp-workers 2 on fresh CAs', () => {
  it('answers a burst of concurrent first requests with one OCSP signer per CA, made before the workers', async () => {
    const ask = (url: string) =>
      sh(
        'openssl',
        [
          ...['ocsp', '-url', `${url}/ocsp/${inst.line1Id}`, '-issuer', 'issuer.pem', '-cert', 'device.pem'],
          ...['-noverify', '-resp_text'],
        ],
        { cwd: inst.dir },
      );
    // New connections each, so the primary hands them to both workers; the main port too.
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, () => ask(ocspUrl)),
      ...Array.from({ length: 2 }, () => ask(server.url)),
    ]);
    const responders = new Set<string>();
    for (const r of answers) {
      expect(r.stdout, r.stderr).toContain('device.pem: good');
      responders.add(/Responder Id: (\S+)/.exec(r.stdout)![1]!);
    }
    expect(responders.size).toBe(1);

    const rows = await signerRows();
    const cas = (await inst.snapshot())['cas'] as CaRow[];
    // Root, acme and line1: one each, the one on record, none made and revoked.
    expect(rows.map((r) => r.ca_id).sort()).toEqual([inst.rootId, inst.acmeId, inst.line1Id].sort());
    for (const row of rows) {
      expect(row.status).toBe('valid');
      const ca = cas.find((c) => c.id === row.ca_id)!;
      expect(Buffer.compare(Buffer.from(ca.ocsp_signer_der!), Buffer.from(row.der!))).toBe(0);
    }
    expect(server.stderr().match(/OCSP signer made before starting the OCSP workers/g)).toHaveLength(3);
  });

  it('makes none on a restart while the signers on record are fresh', async () => {
    expect(await server.stop()).toBe(0);
    const before = (await signerRows()).map((r) => r.id);
    server = await serve(inst, '--ocsp-port', '0', '--ocsp-workers', '2');
    ocspUrl = /ocsp on (http:\/\/\S+)/.exec(server.stdout())![1]!;
    const r = await sh(
      'openssl',
      ['ocsp', '-url', `${ocspUrl}/ocsp/${inst.line1Id}`, '-issuer', 'issuer.pem', '-cert', 'device.pem', '-noverify'],
      { cwd: inst.dir },
    );
    expect(r.stdout, r.stderr).toContain('device.pem: good');
    expect((await signerRows()).map((r) => r.id)).toEqual(before);
    expect(server.stderr()).not.toContain('OCSP signer made');
  });
});
