// Two rules about what the plugin's source imports, checked on the files themselves:
// - no import cycle among them (type-only imports count: they tie the modules together as well);
// - from outside plugin/src only common's contract (common/src/contract/*.ts, by a relative path:
//   the package's entry point, @dockpulse/common, is its server side: pg, pino, config), whose
//   modules import nothing but each other, so the bundle takes their constants and nothing else.
import * as fs from 'fs';
import * as path from 'path';

const SRC = __dirname;
const EXTENSIONS = ['.ts', '.tsx'];
/** The one folder outside plugin/src the plugin may import from: the API's contract. */
const CONTRACT = path.resolve(SRC, '..', '..', 'common', 'src', 'contract');
const inContract = (file: string | undefined) => file !== undefined && path.dirname(file) === CONTRACT;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return sourceFiles(full);
    }
    return EXTENSIONS.includes(path.extname(entry.name)) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Every module an `import ... from`, `export ... from` or `import(...)` names, with whether it is type-only. */
export function importsOf(text: string): Array<{ from: string; typeOnly: boolean }> {
  const found: Array<{ from: string; typeOnly: boolean }> = [];
  const statement = /^\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s+['"]([^'"]+)['"]/gms;
  for (const m of text.matchAll(statement)) {
    found.push({ from: m[4], typeOnly: Boolean(m[2]) });
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) {
    found.push({ from: m[1], typeOnly: false });
  }
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    found.push({ from: m[1], typeOnly: false });
  }
  return found;
}

function resolveRelative(fromFile: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [base, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => path.join(base, 'index' + e))];
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
}

/** The cycles of a graph, each as the list of its nodes (first one repeated at the end). */
export function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') {
        cycles.push([...stack.slice(stack.indexOf(next)), next]);
      } else if (!state.has(next)) {
        visit(next);
      }
    }
    stack.pop();
    state.set(node, 'done');
  };
  [...graph.keys()].sort().forEach((node) => state.has(node) || visit(node));
  return cycles;
}

const files = sourceFiles(SRC);
const relative = (file: string) => path.relative(SRC, file);

describe('import graph of plugin/src', () => {
  it('finds imports and cycles (the checker itself)', () => {
    expect(
      importsOf(
        `import React from 'react';\nimport type { A } from './a';\nexport { b } from "./b";\nconst c = import('./c');`
      )
    ).toEqual([
      { from: 'react', typeOnly: false },
      { from: './a', typeOnly: true },
      { from: './b', typeOnly: false },
      { from: './c', typeOnly: false },
    ]);
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cyclesOf(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(
      cyclesOf(
        new Map([
          ['a', ['b']],
          ['b', []],
        ])
      )
    ).toEqual([]);
  });

  it('has no import cycle', () => {
    expect(files.length).toBeGreaterThan(20);
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const targets = importsOf(fs.readFileSync(file, 'utf8'))
        .filter((i) => i.from.startsWith('.'))
        .map((i) => resolveRelative(file, i.from))
        .filter((t): t is string => t !== undefined && files.includes(t));
      graph.set(relative(file), targets.map(relative));
    }
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('imports from outside plugin/src only common/src/contract, which imports nothing but itself', () => {
    const outside = files.flatMap((file) =>
      importsOf(fs.readFileSync(file, 'utf8'))
        .filter((i) => !i.typeOnly)
        .flatMap((i) => {
          if (i.from.startsWith('@dockpulse/')) {
            return [`${relative(file)}: ${i.from}`];
          }
          const target = i.from.startsWith('.') ? path.resolve(path.dirname(file), i.from) : undefined;
          const inside = target === undefined || target.startsWith(SRC + path.sep);
          return inside || inContract(resolveRelative(file, i.from)) ? [] : [`${relative(file)}: ${i.from}`];
        })
    );
    expect(outside).toEqual([]);
    const contract = fs.readdirSync(CONTRACT).map((name) => path.join(CONTRACT, name));
    expect(contract.map((f) => path.basename(f)).sort()).toEqual(expect.arrayContaining(['answers.ts', 'index.ts', 'lists.ts']));
    const beyond = contract.flatMap((file) =>
      importsOf(fs.readFileSync(file, 'utf8'))
        .filter((i) => !(i.from.startsWith('./') && inContract(resolveRelative(file, i.from))))
        .map((i) => `${path.basename(file)}: ${i.from}`)
    );
    expect(beyond).toEqual([]);
  });

  it('restates none of the contract lists (metrics, states, actions, ...) in a list of its own', () => {
    const wordsOf = (literal: string) => [...literal.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).sort().join(',');
    const lists = new Map(
      [...fs.readFileSync(path.join(CONTRACT, 'lists.ts'), 'utf8').matchAll(/export const (\w+) = (\[[^\]]*\])/g)].map((m) => [wordsOf(m[2]), m[1]])
    );
    expect([...lists.values()]).toEqual(expect.arrayContaining(['METRICS', 'CONTAINER_STATES', 'EVENT_ACTIONS', 'GROUPABLE_METRICS']));
    const restated = files.flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/\[\s*('[a-z_]+',\s*)+'[a-z_]+',?\s*\]/g)]
        .filter((m) => lists.has(wordsOf(m[0])))
        .map((m) => `${relative(file)}: ${lists.get(wordsOf(m[0]))}`)
    );
    expect(restated).toEqual([]);
  });
});
