// The layers point down only: the core (engine, executors, scanners, spot, events) never
// imports the Slack surface; it writes outbox rows and talks through src/ports.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');
const CORE = ['engine', 'executors', 'scanners', 'spot', 'events'];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Type-only imports allowed from the core into slack/ (erased at run time): none today. */
const KNOWN_TYPE_IMPORTS = new Set<string>();

/** Every module a file imports or re-exports (static and dynamic), resolved to a path under src/. */
function importsOf(file: string, opts: { withTypes?: boolean } = {}): string[] {
  const raw = readFileSync(file, 'utf8');
  const text = opts.withTypes ? raw : raw.replace(/import\s+type\s[^;]*?from\s*['"][^'"]+['"]/g, '');
  const specs = [
    ...text.matchAll(/(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/g),
    ...text.matchAll(/import\s*\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...text.matchAll(/^import\s+['"]([^'"]+)['"]/gm),
  ].map((m) => m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => relative(SRC, resolve(dirname(file), s)));
}

describe('the import graph', () => {
  it('finds the modules it checks (the test can fail)', () => {
    const files = CORE.flatMap((d) => filesUnder(join(SRC, d)));
    expect(files.length).toBeGreaterThan(30);
    expect(importsOf(join(SRC, 'slack/relay.ts'))).toContain('engine/outbox.js');
  });

  it.each(CORE)('has no module under src/%s importing src/slack', (dir) => {
    const offenders = filesUnder(join(SRC, dir)).flatMap((file) =>
      importsOf(file, { withTypes: true })
        .filter((target) => target.startsWith('slack/') || target === 'slack')
        .map((target) => `${relative(SRC, file)} -> ${target}`)
        .filter(
          (edge) => !KNOWN_TYPE_IMPORTS.has(edge) || importsOf(file).some((t) => t.startsWith('slack/')),
        ),
    );
    expect(offenders).toEqual([]);
  });
});
