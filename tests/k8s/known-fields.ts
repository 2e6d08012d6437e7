import { join } from 'node:path';
import ts from 'typescript';

/**
 * Fields the Kubernetes types do not have. The JSON schemas kubernetes-models validates against allow any extra
 * property, so a misspelt field (`initialDelaySecond`) passes them and would be dropped by the API server, or
 * refused by kubectl's strict field validation. The models' TypeScript interfaces do not allow them: each
 * object is type-checked as an object literal of its interface, whose excess property check names the field.
 */
export function unknownFields(objects: { label: string; module: string; type: string; object: unknown }[]): string[] {
  // Beside this file, so that the models resolve from the workspace's node_modules; never written to disk.
  const file = join(import.meta.dirname, '__manifests__.ts');
  // One object a line: a diagnostic's line is the object's index.
  const text = objects.map((o, i) => `export const o${i}: import('${o.module}').${o.type} = ${JSON.stringify(o.object)};`).join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    // The least the models need: checking is what takes the time.
    lib: ['lib.es5.d.ts'],
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest);
  host.fileExists = (name) => name === file || fileExists.call(host, name);
  host.readFile = (name) => (name === file ? text : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== file || diagnostic.start === undefined) return message;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return `${objects[line]?.label}: ${message}`;
  });
}
