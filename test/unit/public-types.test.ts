/**
 * public types - what a TypeScript user's module may and may not say, compiled with the TypeScript
 * compiler against orderflow's source (`orderflow` mapped to activities/index.ts), with the
 * settings a strict user project has. The packed package's types get the same check from a
 * project `orderflow init` writes (test/integration/init.test.ts).
 */
import fs from 'node:fs';
import path from 'node:path';

import ts from 'typescript';

import { ROOT } from '../harness/paths';

const CONSUMER = path.join(ROOT, 'test/fixtures/consumer');
const DIRECTIVE = '// @ts-expect-error';

function compile(files: Record<string, string>): ts.Diagnostic[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: ['node'],
    // orderflow's own sources are compiled with it; the user's file is what is under test here.
    skipLibCheck: true,
    baseUrl: ROOT,
    paths: { orderflow: ['activities/index.ts'] },
  };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => files[path.resolve(name)] ?? readFile(name);
  const program = ts.createProgram(Object.keys(files), options, host);
  return Object.keys(files).flatMap((name) => {
    const source = program.getSourceFile(name);
    return source ? [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)] : [];
  });
}

function describeAll(diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : '?';
    return `line ${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`;
  });
}

/** 1-based lines of the code each directive guards (the line after it). */
function guardedLines(text: string): number[] {
  return text.split('\n').flatMap((line, i) => (line.trim().startsWith(DIRECTIVE) ? [i + 2] : []));
}

describe('public types', () => {
  const file = path.join(CONSUMER, 'typed-functions.ts');
  const text = fs.readFileSync(file, 'utf8');

  test('a typed module compiles, and each marked mistake is a compile error (no directive left unused)', () => {
    expect(describeAll(compile({ [file]: text }))).toEqual([]);
  });

  test('without the directives, the errors are exactly on the marked lines, one or more each', () => {
    // Blanked rather than removed, so that line numbers stay.
    const bare = text.replaceAll(DIRECTIVE, '//');
    const expected = guardedLines(text);
    expect(expected.length).toBeGreaterThanOrEqual(12);
    const lines = compile({ [file]: bare }).map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line + 1);
    expect([...new Set(lines)].sort((a, b) => a - b)).toEqual(expected);
  });

  test("a result that is not JSON-safe is named in the compiler's message", () => {
    const source = `import { defineFunction } from 'orderflow';\nexport const f = defineFunction({ name: 'f', run: () => new Set<number>() });\n`;
    const messages = describeAll(compile({ [path.join(CONSUMER, 'set-result.ts')]: source }));
    expect(messages.join('\n')).toMatch(/not JSON-safe/);
  });

  test("orderflow's Duration is Temporal's Duration", () => {
    const durations = path.join(CONSUMER, 'temporal-duration.ts');
    expect(describeAll(compile({ [durations]: fs.readFileSync(durations, 'utf8') }))).toEqual([]);
  });
});
