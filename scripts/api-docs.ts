// The package's public API as data and as Markdown, read from the sources with TypeScript's
// compiler API (tsgo, through typescript/unstable/sync): every export of each entry point in
// package.json's "exports", re-exports and aliases followed to their declarations, with its kind,
// a compact signature as written and its doc comment; for classes their public members
// (constructor, methods, properties), for interfaces their fields. Members marked @internal are
// left out, as they are of the package's declarations (tsconfig.build.json's stripInternal); a
// member with no doc comment of its own takes that of the member it implements or overrides.
// Exports are listed in the order their entry file lists them (its grouping is the author's).
// scripts/api-reference.ts writes the Markdown to docs/api.md; test/project/api-reference.test.ts
// checks that every export and every public class member is documented and that docs/api.md is
// current.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API, SymbolFlags, type Checker, type Project, type Symbol as TsSymbol } from 'typescript/unstable/sync';
import { NodeFlags, SyntaxKind, type Node, type SourceFile } from 'typescript/unstable/ast';

/** What an export is, as the reference names it. */
export type ExportKind = 'function' | 'class' | 'interface' | 'type' | 'const' | 'let' | 'enum';

/** A public member of an exported class, or a field of an exported interface. */
export interface ApiMember {
  name: string;
  /** Its signature as written: `name(params): Type`, `readonly name: Type`, `constructor(params)`. */
  signature: string;
  /** Its doc comment's text, or null when it has none. */
  doc: string | null;
  /** Declared by an interface merged into the class, not by the class itself. */
  merged: boolean;
}

/** One export of an entry point, followed to its declaration. */
export interface ApiExport {
  /** The name it is exported as. */
  name: string;
  /** The name at its declaration, where an alias renames it (`export { a as b }`). */
  declaredName: string;
  kind: ExportKind;
  /** The file that declares it, relative to the repository root. */
  file: string;
  /** Its signatures (one per overload) or declaration header, as written with whitespace collapsed. */
  signatures: string[];
  /** Its doc comment's text, or null when its declaration has none. */
  doc: string | null;
  /** Classes: the public members; interfaces: the fields; otherwise empty. */
  members: ApiMember[];
}

/** One of package.json's "exports" and what it exports, in the order the entry file lists it. */
export interface ApiEntryPoint {
  /** What a user imports: 'wgpu-diffusion', 'wgpu-diffusion/webgpu', … */
  specifier: string;
  /** The name the reference's import line gives the namespace: E, webgpu, ddpm, png. */
  namespace: string;
  /** The entry's source file, relative to the repository root. */
  file: string;
  exports: ApiExport[];
}

/** The command that regenerates docs/api.md, as the file's first line names it. */
export const REGENERATE = 'npm run docs:api';

/** The package's entry points, from package.json's "exports": the source file behind each `types`. */
function entryPointsOf(root: string): { specifier: string; namespace: string; file: string }[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
  return Object.entries(pkg.exports).flatMap(([subpath, target]) => {
    const types = (target as { types?: string }).types;
    if (types === undefined) return [];
    const file = types.replace(/^\.\/dist\//, '').replace(/\.d\.ts$/, '.ts');
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    const namespace = subpath === '.' ? 'E' : subpath.split('/').at(-1)!;
    return [{ specifier, namespace, file }];
  });
}

/** Reads every entry point's exports through tsgo, with the project tsconfig.build.json (the package's build). */
export function readApi(root: string): ApiEntryPoint[] {
  const api = new API({ cwd: root });
  try {
    const snapshot = api.updateSnapshot({ openProjects: [join(root, 'tsconfig.build.json')] });
    const project = snapshot.getProjects()[0];
    return entryPointsOf(root).map((entry) => ({ ...entry, exports: exportsOf(project, root, entry.file) }));
  } finally {
    api.close();
  }
}

/** An entry file's exports, in the order its export statements list them. */
function exportsOf(project: Project, root: string, file: string): ApiExport[] {
  const { program, checker } = project;
  const source = program.getSourceFile(join(root, file));
  if (source === undefined) throw new Error(`api-docs: ${file} is not in tsconfig.build.json's program`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`api-docs: ${file} is not a module`);
  const listed = checker.getExportsOfModule(moduleSymbol).map((symbol) => ({
    symbol,
    at: resolveDeclaration(project, symbol).pos,
  }));
  listed.sort((a, b) => a.at - b.at);
  const exports = listed.map(({ symbol }) => describeExport(project, checker, root, symbol));
  // A method an interface merges into a class (Tensor's, engine/tensor-methods.ts) is the export of
  // the same name with the object as its first argument: without a doc comment of its own, it
  // says so and takes that export's.
  const docs = new Map(exports.filter((e) => e.kind === 'function' && e.doc !== null).map((e) => [e.name, firstParagraph(e.doc!)]));
  for (const e of exports) {
    for (const m of e.members) {
      const same = m.merged && m.doc === null ? docs.get(m.name) : undefined;
      if (same !== undefined) m.doc = `As ${m.name}(${e.name.toLowerCase()}, …): ${same}`;
    }
  }
  return exports;
}

/**
 * The syntax fields the reference reads, all optional: the AST's node types are one per kind, and
 * the code here reads a field only on the kinds that have it.
 */
interface Parts {
  name?: Node;
  body?: Node;
  type?: Node;
  initializer?: Node;
  questionToken?: Node;
  typeParameters?: readonly Node[];
  parameters?: readonly Node[];
  modifiers?: readonly Node[];
  members?: readonly Node[] & { pos: number };
  heritageClauses?: readonly Node[];
  types?: readonly Node[];
  expression?: Node;
}

function parts(node: Node): Parts {
  return node as unknown as Parts;
}

/** The node a symbol's first declaration handle points at. */
function resolveDeclaration(project: Project, symbol: TsSymbol): Node {
  const handle = symbol.declarations[0];
  const node = handle?.resolve(project);
  if (node === undefined) throw new Error(`api-docs: no declaration for ${symbol.name}`);
  return node;
}

function describeExport(project: Project, checker: Checker, root: string, exported: TsSymbol): ApiExport {
  const target = exported.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const declarations = target.declarations.map((d) => d.resolve(project)).filter((n): n is Node => n !== undefined);
  // A class or function merged with a namespace or interface of the same name: the value's
  // declaration is the one to describe.
  const main = declarations.find((d) => kindOf(d) !== undefined && d.kind !== SyntaxKind.InterfaceDeclaration) ?? declarations[0];
  const kind = kindOf(main);
  if (kind === undefined) throw new Error(`api-docs: ${exported.name} is a ${SyntaxKind[main.kind]}, which the reference does not describe`);
  const sourceFile = main.getSourceFile();
  const described = kind === 'function' ? overloads(declarations) : [main];
  return {
    name: exported.name,
    declaredName: target.name,
    kind,
    file: sourceFile.fileName.slice(root.length + 1),
    signatures: described.map((d) => signatureOf(d, kind, () => checker.typeToString(checker.getTypeOfSymbol(target)!))),
    doc: described.map(docOf).find((d) => d !== null) ?? null,
    members: kind === 'class' || kind === 'interface' ? [
      ...membersOf(main, inheritedDocs(project, checker, main)),
      // an interface merged into a class (declared elsewhere, e.g. by module augmentation)
      ...(kind === 'class' ? declarations.filter((d) => d !== main && d.kind === SyntaxKind.InterfaceDeclaration)
        .flatMap((d) => membersOf(d, new Map()).map((m) => ({ ...m, merged: true }))) : []),
    ] : [],
  };
}

function kindOf(node: Node): ExportKind | undefined {
  switch (node.kind) {
    case SyntaxKind.FunctionDeclaration: return 'function';
    case SyntaxKind.ClassDeclaration: return 'class';
    case SyntaxKind.InterfaceDeclaration: return 'interface';
    case SyntaxKind.TypeAliasDeclaration: return 'type';
    case SyntaxKind.EnumDeclaration: return 'enum';
    case SyntaxKind.VariableDeclaration:
      if (isFunctionValue(node)) return 'function';
      return node.parent.flags & NodeFlags.Const ? 'const' : 'let';
    default: return undefined;
  }
}

/** A variable whose value is an arrow function or function expression, with no type written: a function to its users. */
function isFunctionValue(node: Node): boolean {
  const { type, initializer } = parts(node);
  return type === undefined && (initializer?.kind === SyntaxKind.ArrowFunction || initializer?.kind === SyntaxKind.FunctionExpression);
}

/** A function's overload signatures, or its one declaration when it has none. */
function overloads(declarations: Node[]): Node[] {
  const withoutBody = declarations.filter((d) => parts(d).body === undefined);
  return withoutBody.length > 0 ? withoutBody : declarations;
}

// ---- text as written ----

/** A node's text without its leading comments, comments inside removed and whitespace collapsed. */
function textOf(node: Node): string {
  return compact(node.getText(node.getSourceFile()));
}

/** Source text on one line: comments dropped, runs of whitespace made one space. */
function compact(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|\s)\/\/.*$/gm, '$1')
    .replace(/\s+/g, ' ')
    .replace(/([([{<]) /g, '$1')
    .replace(/ ([)\]>])/g, '$1')
    .replace(/,([)\]>])/g, '$1')
    .trim();
}

/** `<T, U extends V>` as written, or nothing. */
function typeParametersOf(node: Node): string {
  const params = parts(node).typeParameters;
  return params === undefined || params.length === 0 ? '' : `<${params.map(textOf).join(', ')}>`;
}

/** `(a: A, b?: B): R` as written: parameters, and the return type where one is written. */
function parametersAndReturn(node: Node): string {
  const { parameters = [], type } = parts(node);
  const returns = type === undefined ? '' : `: ${textOf(type)}`;
  return `${typeParametersOf(node)}(${parameters.map(textOf).join(', ')})${returns}`;
}

/** The text from a declaration's start to the `{` that opens its members: `class A<T> extends B`. */
function headerOf(node: Node): string {
  const source = node.getSourceFile();
  const header = source.text.slice(node.getStart(source), parts(node).members!.pos).replace(/\{\s*$/, '');
  return compact(header).replace(/^(export )?(default )?(declare )?/, '');
}

function nameOf(node: Node): string {
  const name = parts(node).name;
  return name === undefined ? '' : textOf(name);
}

/**
 * An export's signature as written: a function's parameters and return type (an arrow function's
 * too), a class's or an interface's header, a type alias whole, a variable's type, or its value
 * where that is short and no type is written (`valueType`, the checker's, where it is long).
 */
function signatureOf(node: Node, kind: ExportKind, valueType: () => string): string {
  switch (kind) {
    case 'function': return `function ${nameOf(node)}${parametersAndReturn(parts(node).initializer ?? node)}`;
    case 'class':
    case 'interface':
    case 'enum': return headerOf(node);
    case 'type': return textOf(node).replace(/^export (declare )?/, '');
    case 'const':
    case 'let': {
      const { type, initializer } = parts(node);
      if (type !== undefined) return `${kind} ${nameOf(node)}: ${textOf(type)}`;
      const value = initializer === undefined ? '' : textOf(initializer);
      return value.length > 0 && value.length <= 100 ? `${kind} ${nameOf(node)} = ${value}` : `${kind} ${nameOf(node)}: ${valueType()}`;
    }
  }
}

// ---- members ----

const MEMBER_KINDS = new Set([
  SyntaxKind.Constructor, SyntaxKind.MethodDeclaration, SyntaxKind.PropertyDeclaration, SyntaxKind.GetAccessor,
  SyntaxKind.SetAccessor, SyntaxKind.PropertySignature, SyntaxKind.MethodSignature, SyntaxKind.CallSignature,
  SyntaxKind.ConstructSignature, SyntaxKind.IndexSignature,
]);
const HIDDEN_MODIFIERS = new Set([SyntaxKind.PrivateKeyword, SyntaxKind.ProtectedKeyword]);

/**
 * A class's public members or an interface's fields, in source order: one per name (overloads
 * each). A member with no doc comment of its own takes the one `inherited` has for its name.
 */
function membersOf(declaration: Node, inherited: ReadonlyMap<string, string>): ApiMember[] {
  const members = (parts(declaration).members ?? []).filter(isPublicMember);
  const described = members.filter((m, i) => !isOverloadImplementation(m, members) && !isSetterBesideGetter(m, members, i));
  return described.map((m) => ({ name: nameOf(m), signature: memberSignature(m), doc: docOf(m) ?? inherited.get(nameOf(m)) ?? null, merged: false }));
}

/**
 * The doc comments of the members a declaration inherits, by name: those of the classes it
 * extends and the interfaces it implements or extends, and of theirs in turn (the nearest wins),
 * as an editor shows them on an implementing member.
 */
function inheritedDocs(project: Project, checker: Checker, declaration: Node): Map<string, string> {
  const docs = new Map<string, string>();
  for (const base of basesOf(project, checker, declaration)) {
    for (const member of parts(base).members ?? []) {
      const doc = docOf(member);
      if (doc !== null && !docs.has(nameOf(member))) docs.set(nameOf(member), doc);
    }
    for (const [name, doc] of inheritedDocs(project, checker, base)) if (!docs.has(name)) docs.set(name, doc);
  }
  return docs;
}

/** The class and interface declarations named in a declaration's `extends` and `implements` clauses. */
function basesOf(project: Project, checker: Checker, declaration: Node): Node[] {
  const named = (parts(declaration).heritageClauses ?? []).flatMap((clause) => parts(clause).types ?? []);
  return named.flatMap((type) => {
    const expression = parts(type).expression!;
    const symbol = checker.getSymbolAtLocation(parts(expression).name ?? expression);
    if (symbol === undefined) return [];
    const target = symbol.flags & SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return target.declarations.map((d) => d.resolve(project)).filter((n): n is Node =>
      n !== undefined && (n.kind === SyntaxKind.ClassDeclaration || n.kind === SyntaxKind.InterfaceDeclaration));
  });
}

function modifiersOf(node: Node): SyntaxKind[] {
  return (parts(node).modifiers ?? []).map((m) => m.kind);
}

function isPublicMember(member: Node): boolean {
  if (!MEMBER_KINDS.has(member.kind)) return false;
  if (modifiersOf(member).some((k) => HIDDEN_MODIFIERS.has(k))) return false;
  if (parts(member).name?.kind === SyntaxKind.PrivateIdentifier) return false;
  // `constructor() {}` written only to call super(): nothing for a user to read.
  if (member.kind === SyntaxKind.Constructor && parts(member).parameters?.length === 0 && docOf(member) === null) return false;
  return !isInternal(member);
}

/** Marked @internal: stripped from the package's declarations, so not public. */
function isInternal(node: Node): boolean {
  return /(^|\n)@internal\b/.test(rawDocOf(node) ?? '');
}

/** A method's implementation after its overload signatures (users see the overloads only). */
function isOverloadImplementation(member: Node, members: readonly Node[]): boolean {
  if (parts(member).body === undefined) return false;
  if (member.kind !== SyntaxKind.MethodDeclaration && member.kind !== SyntaxKind.Constructor) return false;
  return members.some((m) => m !== member && m.kind === member.kind && nameOf(m) === nameOf(member));
}

/** A setter whose getter is listed too (the getter stands for the pair). */
function isSetterBesideGetter(member: Node, members: readonly Node[], index: number): boolean {
  return member.kind === SyntaxKind.SetAccessor && members.some((m, i) => i !== index && m.kind === SyntaxKind.GetAccessor && nameOf(m) === nameOf(member));
}

function memberSignature(member: Node): string {
  const modifiers = modifiersOf(member).filter((k) => k === SyntaxKind.StaticKeyword || k === SyntaxKind.ReadonlyKeyword || k === SyntaxKind.AbstractKeyword)
    .map((k) => `${SyntaxKind[k].replace(/Keyword$/, '').toLowerCase()} `).join('');
  const { questionToken, type } = parts(member);
  const optional = questionToken === undefined ? '' : '?';
  switch (member.kind) {
    case SyntaxKind.Constructor: return `constructor${parametersAndReturn(member)}`;
    case SyntaxKind.GetAccessor: return `${modifiers}get ${nameOf(member)}${parametersAndReturn(member)}`;
    case SyntaxKind.SetAccessor: return `${modifiers}set ${nameOf(member)}${parametersAndReturn(member)}`;
    case SyntaxKind.MethodDeclaration:
    case SyntaxKind.MethodSignature: return `${modifiers}${nameOf(member)}${optional}${parametersAndReturn(member)}`;
    case SyntaxKind.CallSignature: return parametersAndReturn(member);
    case SyntaxKind.ConstructSignature: return `new ${parametersAndReturn(member)}`;
    case SyntaxKind.IndexSignature: return textOf(member).replace(/;$/, '');
    default: return `${modifiers}${nameOf(member)}${optional}${type === undefined ? '' : `: ${textOf(type)}`}`;
  }
}

// ---- doc comments ----

/** The node that carries a declaration's doc comment: a variable's statement, else itself. */
function docHolder(node: Node): Node {
  return node.kind === SyntaxKind.VariableDeclaration ? node.parent.parent : node;
}

/** The text of the doc comment nearest a declaration (`/** … *\/`), its stars and indent removed; tags kept. */
function rawDocOf(node: Node): string | null {
  const jsDoc = docHolder(node).jsDoc;
  if (jsDoc === undefined || jsDoc.length === 0) return null;
  const comment = jsDoc[jsDoc.length - 1];
  const source: SourceFile = node.getSourceFile();
  const text = source.text.slice(comment.getStart(source), comment.end);
  return text
    .replace(/^\/\*\*\s?/, '')
    .replace(/\s*\*\/$/, '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, '').trimEnd())
    .join('\n')
    .trim();
}

/** A declaration's doc comment, or null when it has none with text (a lone `@internal` is none). */
function docOf(node: Node): string | null {
  const raw = rawDocOf(node);
  if (raw === null) return null;
  const text = raw.split('\n').filter((line) => !/^@internal\b/.test(line)).join('\n').trim();
  return text.length > 0 ? text : null;
}

// ---- Markdown ----

/** The doc's first paragraph, on one line. */
function firstParagraph(doc: string): string {
  return doc.split(/\n\s*\n/)[0].replace(/\s*\n\s*/g, ' ');
}

/** Inline code, with a fence long enough for backticks inside. */
function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function anchor(entry: ApiEntryPoint, name?: string): string {
  const base = entry.specifier.replace(/[^A-Za-z0-9]+/g, '-');
  return name === undefined ? base : `${base}--${name}`;
}

function renderContents(entries: ApiEntryPoint[]): string[] {
  const lines = ['## Contents', ''];
  for (const entry of entries) {
    lines.push(`- [${code(entry.specifier)}](#${anchor(entry)}) (${entry.file}, ${entry.exports.length} exports):`);
    lines.push(`  ${entry.exports.map((e) => `[${e.name}](#${anchor(entry, e.name)})`).join(', ')}`);
  }
  return [...lines, ''];
}

function renderExport(entry: ApiEntryPoint, e: ApiExport): string[] {
  const renamed = e.declaredName === e.name ? '' : ` (declared as ${code(e.declaredName)})`;
  const lines = [
    `<a id="${anchor(entry, e.name)}"></a>`,
    `### ${code(e.name)} — ${e.kind}`,
    '',
    `Declared in ${e.file}${renamed}.`,
    '',
    '```ts',
    ...e.signatures,
    '```',
    '',
  ];
  if (e.doc !== null) lines.push(e.doc, '');
  if (e.members.length > 0) {
    lines.push(e.kind === 'class' ? 'Members:' : 'Fields:', '');
    for (const m of e.members) lines.push(`- ${code(m.signature)}${m.doc === null ? '' : ` — ${firstParagraph(m.doc)}`}`);
    lines.push('');
  }
  return lines;
}

function renderEntryPoint(entry: ApiEntryPoint): string[] {
  return [
    `<a id="${anchor(entry)}"></a>`,
    `## ${code(entry.specifier)}`,
    '',
    '```ts',
    `import * as ${entry.namespace} from '${entry.specifier}';`,
    '```',
    '',
    `From ${entry.file}; exports in the order it lists them.`,
    '',
    ...entry.exports.flatMap((e) => renderExport(entry, e)),
  ];
}

/** docs/api.md's text for the entry points read by readApi. */
export function renderApiReference(entries: ApiEntryPoint[]): string {
  const lines = [
    `<!-- Generated from the sources' doc comments by \`${REGENERATE}\` (scripts/api-reference.ts): do not edit by hand. -->`,
    '',
    '# API reference',
    '',
    "The package's public API: every export of each entry point in package.json's \"exports\", in the",
    'order its entry file lists them, with its kind, its signature as written (comments and line',
    'breaks removed) and its doc comment. Classes list their public members, interfaces their fields,',
    "each with the first paragraph of its doc comment. Members marked `@internal` are not part of it.",
    '',
    ...renderContents(entries),
    ...entries.flatMap(renderEntryPoint),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
