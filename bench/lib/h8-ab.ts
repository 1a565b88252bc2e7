// Temporary H8 A/B driver (deleted before the report): node --import tsx bench/lib/h8-ab.ts <core dist index.js>
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { VERIFY_AUDIENCE, VERIFY_NOW, makeDevices, makeVerifyWorld } from './verify-pki.js';
const core = await import(process.argv[2]!);
const world = await makeVerifyWorld();
const devices = makeDevices(world, 2048);
const cache = new core.ValidationCache({ maxEntries: 256 });
const root = world.root.der;
let bad = 0;
let i = 0;
const one = (): void => {
  const d = devices[i++ % devices.length]!;
  const r = core.verifyDeviceSync({ token: d.token, trustAnchors: root, time: VERIFY_NOW, audience: VERIFY_AUDIENCE, challenge: { nonce: d.nonce }, cache });
  if (!r.ok) bad++;
};
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const message = Buffer.from(devices[0]!.token.slice(0, devices[0]!.token.lastIndexOf('.')));
const signature = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
const key = { key: publicKey, dsaEncoding: 'ieee-p1363' as const };
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
for (let k = 0; k < 600; k++) one();
const ratios: number[] = [];
const per: number[] = [];
for (let round = 0; round < 30; round++) {
  let t = cpu(); for (let k = 0; k < 300; k++) verify('sha256', message, key, signature); const v = (cpu() - t) / 300;
  t = cpu(); for (let k = 0; k < 150; k++) one(); const d = (cpu() - t) / 150;
  ratios.push((2 * v) / d); per.push(d * 1000);
}
ratios.sort((a, b) => a - b); per.sort((a, b) => a - b);
console.log(process.argv[2]!.includes('before') ? 'before' : 'after ', 'bad', bad, 'ratio median', ratios[15]!.toFixed(3), 'IQR', ratios[7]!.toFixed(3), ratios[22]!.toFixed(3), 'us/device', per[15]!.toFixed(0));
