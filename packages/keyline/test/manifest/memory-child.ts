/**
 * Run by memory.test.ts in a child process with a small V8 heap (--max-old-space-size): writes,
 * verifies and proves a manifest of COUNT synthetic entries and prints what it saw as JSON. A
 * writer or verifier that kept entries in memory would run out of heap and exit non-zero.
 */
import { statSync } from 'node:fs';
import { inclusionProof, verifyManifest } from '../../src/manifest/index.js';
import { device, hierarchy, writeManifest } from './fixture.js';

const [path, countText] = process.argv.slice(2);
const count = Number(countText);
const h = await hierarchy();
const template = device(h, 0);
// One real entry's fields with a changing chip serial: the per-device certificate checks are
// skipped below (checkDevices: false); structure, order, tree head and root signature are not.
function* entries() {
  for (let i = 0; i < count; i++) {
    const chipSerial = Buffer.alloc(9);
    chipSerial.writeUInt32BE(i, 5);
    yield { ...template, deviceId: chipSerial.toString('hex'), chipSerial };
  }
}
const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
await writeManifest(path!, h, entries());
const result = await verifyManifest(path!, { trustRoot: h.root, checkDevices: false });
const proof = await inclusionProof(path!, Math.floor(count / 2));
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
process.stdout.write(
  JSON.stringify({ result, size: statSync(path!).size, pathLength: proof.auditPath.length, growth: peak - before }),
);
