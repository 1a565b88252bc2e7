import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type * as Esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The device SDK stays small (issue 5): its runtime import graph, walked from
 * packages/device/src/index.ts through the workspace packages' sources, holds no file of the
 * `keyline` package (server, store, factory, CLI), none of @keyline/se's emulator, tray or PKCS#11
 * code, and none of the server-side modules. Type-only imports are erased by TypeScript and do
 * not count. The bundle size is measured with esbuild when it is installed.
 */
const root = resolve(import.meta.dirname, '../../..');
const entry = join(root, 'packages/device/src/index.ts');

/** Workspace package entry points, as source. */
const WORKSPACE: Record<string, string> = {
  '@keyline/core': 'packages/core/src/index.ts',
  '@keyline/se': 'packages/se/src/index.ts',
  '@keyline/se/emulator-tls': 'packages/se/src/emulator/tls-key.ts',
  '@keyline/device': 'packages/device/src/index.ts',
};
const FORBIDDEN_MODULES = ['fastify', 'kysely', 'better-sqlite3', 'pg', 'pino', 'pkcs11js', 'commander', 'keyline'];
const FORBIDDEN_FILES = [
  'packages/keyline/',
  'packages/se/src/tray/',
  'packages/se/src/pkcs11/',
  'packages/se/src/emulator/',
];

/** The runtime import specifiers of a TypeScript file (not `import type` / `export type`). */
function runtimeImports(text: string): string[] {
  const specs: string[] = [];
  const statement = /(?:^|;|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(statement)) {
    if (m[2] !== undefined) continue; // import type { … } / export type { … }
    const clause = m[3]!.trim();
    // import { type A, type B } from '…' is erased too (verbatimModuleSyntax keeps it only when a value remains).
    const braces = /^\{([^}]*)\}$/.exec(clause);
    if (braces !== null && braces[1]!.split(',').every((part) => part.trim() === '' || part.trim().startsWith('type ')))
      continue;
    specs.push(m[4]!);
  }
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

function resolveRelative(from: string, spec: string): string {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`cannot resolve ${spec} from ${relative(root, from)}`);
}

function packageName(spec: string): string {
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
}

function importGraph(start: string): { files: string[]; modules: Set<string> } {
  const files = new Set<string>();
  const modules = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) queue.push(resolveRelative(file, spec));
      else if (spec.startsWith('node:')) modules.add(spec);
      else if (WORKSPACE[spec] !== undefined) queue.push(join(root, WORKSPACE[spec]));
      else modules.add(packageName(spec));
    }
  }
  return { files: [...files].map((f) => relative(root, f)).sort(), modules };
}

describe('the device SDK import graph', () => {
  const graph = importGraph(entry);

  it('reads type-only imports as erased, and would catch a forbidden import', () => {
    expect(runtimeImports("import type { A } from 'fastify';\nexport type { B } from 'kysely';")).toEqual([]);
    expect(runtimeImports("import { type A, type B } from 'pg';")).toEqual([]);
    expect(runtimeImports("import { type A, b } from 'pg';\nexport * from './x.js';\nimport 'pino';")).toEqual([
      'pg',
      './x.js',
      'pino',
    ]);
  });

  it('holds no keyline-package, server, store, factory, tray, emulator or PKCS#11 code', () => {
    const bytes = graph.files.reduce((sum, file) => sum + statSync(join(root, file)).size, 0);
    console.log(`device SDK import graph: ${graph.files.length} source files, ${bytes} bytes of TypeScript`);
    expect(graph.files).toContain('packages/device/src/index.ts');
    expect(graph.files).toContain('packages/core/src/index.ts');
    const offending = graph.files.filter((file) => FORBIDDEN_FILES.some((prefix) => file.startsWith(prefix)));
    expect(offending).toEqual([]);
    const externals = [...graph.modules].filter((m) => !m.startsWith('node:'));
    expect(externals.filter((m) => FORBIDDEN_MODULES.includes(m) || m.startsWith('@fastify/'))).toEqual([]);
    // Besides node: builtins, only core's ASN.1 dependencies may appear.
    expect(externals.every((m) => m.startsWith('@peculiar/') || m === 'tslib')).toBe(true);
  });

  it('bundles small (esbuild, minified, when installed; else the size of the sources in the graph)', async () => {
    let esbuild: typeof Esbuild | undefined;
    try {
      esbuild = await import('esbuild');
    } catch {
      esbuild = undefined;
    }
    if (esbuild === undefined) {
      const total = graph.files.reduce((sum, file) => sum + statSync(join(root, file)).size, 0);
      console.log(`device SDK import graph: ${graph.files.length} files, ${total} bytes of TypeScript`);
      expect(total).toBeLessThan(3_000_000);
      return;
    }
    const result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
      // Resolve the workspace packages to their sources, so the figure does not depend on a build.
      alias: {
        '@keyline/core': join(root, WORKSPACE['@keyline/core']!),
        '@keyline/se': join(root, WORKSPACE['@keyline/se']!),
      },
    });
    const bytes = result.outputFiles[0]!.contents.length;
    const inputs = Object.keys(result.metafile.inputs);
    console.log(`device SDK bundle: ${bytes} bytes minified, ${inputs.length} input files`);
    expect(inputs.filter((file) => FORBIDDEN_FILES.some((prefix) => file.includes(prefix)))).toEqual([]);
    expect(inputs.filter((file) => FORBIDDEN_MODULES.some((m) => file.includes(`node_modules/${m}/`)))).toEqual([]);
    expect(bytes).toBeGreaterThan(10_000);
    expect(bytes).toBeLessThan(400_000);
  });
});
