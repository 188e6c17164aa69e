/**
 * `dm-bridge wbxml decode FILE|-` prints a WBXML document as XML;
 * `dm-bridge wbxml encode [--lang L] [--string-table] FILE|-` writes the WBXML bytes of an XML document.
 */
import { readFile } from 'node:fs/promises';
import {
  decodeWbxml,
  encodeWbxml,
  isLanguageId,
  LanguageId,
  parseXml,
  serializeXml,
  WbxmlError,
  XmlParseError,
} from '@dm-bridge/wbxml';

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const ENCODE_LANGUAGES = [
  'syncml12',
  'syncml11',
  'devinf12',
  'devinf11',
  'prov10',
  'prov11',
  'dmddf12',
];

const USAGE = `usage:
  dm-bridge wbxml decode [--lang L] [--compact] [--no-nested] FILE|-
      prints the document as XML (pretty-printed; nested DevInf in <Data> decoded)
  dm-bridge wbxml encode [--lang L] [--string-table] [--wbxml-version 1.1|1.2|1.3]
                         [--reset-attribute-page] [--opaque-item-data] [--hex] FILE|-
      writes WBXML bytes to stdout (--hex: as hex text); without --lang the language
      comes from the DOCTYPE or the root element
  L = ${ENCODE_LANGUAGES.join('|')}
  FILE "-" reads standard input.`;

class UsageError extends Error {}

interface Parsed {
  verb: string;
  file: string;
  flags: Set<string>;
  lang?: LanguageId;
  version?: number;
}

const BOOLEAN_FLAGS = new Set([
  '--string-table',
  '--reset-attribute-page',
  '--opaque-item-data',
  '--hex',
  '--compact',
  '--no-nested',
]);
const VERSIONS: Record<string, number> = { '1.1': 0x01, '1.2': 0x02, '1.3': 0x03 };

function parseArgs(argv: string[]): Parsed {
  const [verb, ...rest] = argv;
  if (verb !== 'decode' && verb !== 'encode') {
    throw new UsageError(verb ? `unknown subcommand "${verb}"` : 'missing subcommand');
  }
  const flags = new Set<string>();
  const files: string[] = [];
  let lang: LanguageId | undefined;
  let version: number | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const [name, inlineValue] = a.startsWith('--') ? a.split('=', 2) : [a, undefined];
    if (name === '--lang' || name === '--wbxml-version') {
      const value = inlineValue ?? rest[++i];
      if (value === undefined) throw new UsageError(`${name} needs a value`);
      if (name === '--lang') {
        if (!isLanguageId(value)) throw new UsageError(`unknown language "${value}"`);
        lang = value;
      } else {
        version = VERSIONS[value];
        if (version === undefined) throw new UsageError(`unknown WBXML version "${value}"`);
      }
    } else if (BOOLEAN_FLAGS.has(name)) {
      flags.add(name);
    } else if (a.startsWith('--')) {
      throw new UsageError(`unknown option ${a}`);
    } else {
      files.push(a);
    }
  }
  if (files.length !== 1) throw new UsageError('give exactly one FILE (or - for standard input)');
  return { verb, file: files[0], flags, lang, version };
}

async function readInput(file: string, io: CommandIo): Promise<Buffer> {
  if (file !== '-') return readFile(file);
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin)
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function write(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

export async function run(argv: string[], io: CommandIo = process): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    await write(io.stdout, USAGE + '\n');
    return 0;
  }
  let args: Parsed;
  try {
    args = parseArgs(argv);
  } catch (e) {
    await write(io.stderr, `dm-bridge wbxml: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    const input = await readInput(args.file, io);
    if (args.verb === 'decode') {
      const doc = decodeWbxml(new Uint8Array(input.buffer, input.byteOffset, input.length), {
        language: args.lang,
        decodeNested: !args.flags.has('--no-nested'),
      });
      const xml = serializeXml(doc, { pretty: !args.flags.has('--compact') });
      await write(io.stdout, xml.endsWith('\n') ? xml : xml + '\n');
      return 0;
    }
    const bytes = encodeWbxml(parseXml(input.toString('utf8')), {
      language: args.lang,
      stringTable: args.flags.has('--string-table'),
      version: args.version,
      resetAttributePage: args.flags.has('--reset-attribute-page'),
      opaqueItemData: args.flags.has('--opaque-item-data'),
    });
    await write(
      io.stdout,
      args.flags.has('--hex') ? Buffer.from(bytes).toString('hex') + '\n' : bytes,
    );
    return 0;
  } catch (e) {
    if (e instanceof WbxmlError || e instanceof XmlParseError) {
      await write(io.stderr, `dm-bridge wbxml: ${e.message}\n`);
      return 1;
    }
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      await write(io.stderr, `dm-bridge wbxml: no such file: ${args.file}\n`);
      return 1;
    }
    throw e;
  }
}
