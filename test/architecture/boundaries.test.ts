import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency rules of DESIGN.md, checked on every import in every package's src/:
 * arrows point inward (keyline → se → core, device → se/core), @keyline/device never imports
 * the keyline package, and inside core, x509 knows nothing of policy or trust.
 */
const root = resolve(import.meta.dirname, '../..');

const allowedPackages: Record<string, string[]> = {
  core: [],
  se: ['@keyline/core'],
  device: ['@keyline/core', '@keyline/se'],
  // keyline's CLI uses the device SDK (`keyline device attest`); the SDK never imports keyline.
  keyline: ['@keyline/core', '@keyline/se', '@keyline/device'],
};

/** Folders of core that must not reach into the listed sibling folders. */
const coreLayerRules: Record<string, string[]> = {
  x509: ['policy', 'trust', 'issuance'],
  crypto: ['policy', 'trust', 'issuance'],
  errors: ['x509', 'policy', 'trust', 'crypto', 'issuance'],
  ports: ['x509', 'policy', 'trust', 'crypto', 'issuance'],
  policy: ['trust', 'issuance'],
  trust: ['issuance'],
};

/**
 * Folders of the keyline package that only the listed folders may import: the CLI and the demo
 * are the outermost layer (the binary's commands), which library folders never reach into.
 */
const keylineOuterFolders: Record<string, string[]> = {
  cli: ['cli'],
  demo: ['cli', 'demo'],
};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/g)) specs.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specs.push(m[1]!);
  return specs;
}

export function boundaryViolations(): string[] {
  const violations: string[] = [];
  for (const pkg of Object.keys(allowedPackages)) {
    const srcDir = join(root, 'packages', pkg, 'src');
    for (const file of sourceFiles(srcDir)) {
      for (const spec of importsOf(file)) {
        const where = relative(root, file);
        if (spec.startsWith('.')) {
          const target = resolve(dirname(file), spec);
          if (!target.startsWith(srcDir)) violations.push(`${where}: relative import leaves its package: ${spec}`);
          if (pkg === 'core') {
            const fromLayer = relative(srcDir, file).split('/')[0]!;
            const toLayer = relative(srcDir, target).split('/')[0]!;
            if (coreLayerRules[fromLayer]?.includes(toLayer))
              violations.push(`${where}: core/${fromLayer} imports core/${toLayer}`);
          }
          if (pkg === 'keyline') {
            const fromFolder = relative(srcDir, file).split('/')[0]!;
            const toFolder = relative(srcDir, target).split('/')[0]!;
            const importers = keylineOuterFolders[toFolder];
            if (importers !== undefined && !importers.includes(fromFolder) && fromFolder !== 'index.ts')
              violations.push(`${where}: keyline/${fromFolder} imports keyline/${toFolder}`);
          }
          continue;
        }
        if (spec.startsWith('node:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (name === 'keyline' || name.startsWith('@keyline/')) {
          if (!allowedPackages[pkg]!.includes(name)) violations.push(`${where}: ${pkg} must not import ${name}`);
        }
      }
    }
  }
  return violations;
}

describe('package boundaries (DESIGN.md: dependencies point inward)', () => {
  it('has no import pointing the wrong way', () => {
    expect(boundaryViolations()).toEqual([]);
  });

  it('would catch @keyline/device importing the keyline package', () => {
    const rules = allowedPackages.device!;
    expect(rules).not.toContain('keyline');
  });
});
