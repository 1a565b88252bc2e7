// Writes docs/errors.md from the error registry: `npx tsx scripts/gen-errors-doc.ts`.
import { writeFileSync } from 'node:fs';
import { ERROR_REGISTRY } from '../packages/core/src/errors/registry.js';

const exitFor = { input: 2, invalid: 1, state: 1, auth: 1, internal: 3 } as const;
const httpFor = { input: 400, invalid: 422, state: 409, auth: '401/403', internal: 500 } as const;
const rows = Object.entries(ERROR_REGISTRY)
  .sort(([a], [b]) => a.localeCompare(b))
  .map(
    ([code, spec]) =>
      `| \`${code}\` | ${spec.kind} | ${exitFor[spec.kind]} | ${httpFor[spec.kind]} | ${spec.message} |`,
  );
const text = `# Error codes

Every failure Keyline reports carries one of these stable codes (\`KeylineError.code\`) and a human
message. The kind decides the CLI exit code and the HTTP status. This file is generated from
\`packages/core/src/errors/registry.ts\` by \`npx tsx scripts/gen-errors-doc.ts\`; a test keeps them equal.

| code | kind | CLI exit | HTTP | meaning |
| --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
writeFileSync(new URL('../docs/errors.md', import.meta.url), text);
console.log(`docs/errors.md: ${rows.length} codes`);
