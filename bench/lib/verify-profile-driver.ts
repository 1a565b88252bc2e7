// Temporary H8 driver (deleted before the report).
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { ValidationCache, verifyDeviceSync } from '@keyline/core';
import { VERIFY_AUDIENCE, VERIFY_NOW, makeDevices, makeVerifyWorld } from './verify-pki.js';
const world = await makeVerifyWorld();
const devices = makeDevices(world, 2048);
const cache = new ValidationCache({ maxEntries: 256 });
const n = Number(process.argv[2] ?? 8000);
const mode = process.argv[3] ?? 'ratio';
let bad = 0;
let i = 0;
const one = (): void => {
  const d = devices[i++ % devices.length]!;
  const r = verifyDeviceSync({ token: d.token, trustAnchors: world.root, time: VERIFY_NOW, audience: VERIFY_AUDIENCE, challenge: { nonce: d.nonce }, cache });
  if (!r.ok) bad++;
};
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const message = Buffer.from(devices[0]!.token.slice(0, devices[0]!.token.lastIndexOf('.')));
const signature = sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
const key = { key: publicKey, dsaEncoding: 'ieee-p1363' as const };
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
if (mode === 'profile') { for (let k = 0; k < n; k++) one(); console.log('bad', bad); }
else {
  for (let k = 0; k < 500; k++) one();
  const ratios: number[] = [];
  for (let round = 0; round < 20; round++) {
    let t = cpu(); for (let k = 0; k < 400; k++) verify('sha256', message, key, signature); const v = (cpu() - t) / 400;
    t = cpu(); for (let k = 0; k < 150; k++) one(); const d = (cpu() - t) / 150;
    ratios.push((2 * v) / d);
  }
  ratios.sort((a, b) => a - b);
  console.log('bad', bad, 'ratio median', ratios[10]!.toFixed(3), 'q1', ratios[5]!.toFixed(3), 'q3', ratios[15]!.toFixed(3));
}
