/** What a share link carries. */
export interface SharedProgram {
  language: string;
  code: string;
  stdin: string;
  args: string;
}

export class DamagedLinkError extends Error {
  override name = 'DamagedLinkError';
}

// btoa/atob rather than Uint8Array.toBase64, which browsers older than 2025 lack.
function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function deflate(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function inflate(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text();
}

/**
 * The URL fragment for a program: `lang=python&code=<base64url of deflate-raw>` (plus stdin and args when
 * set). Deflate keeps links short enough for chat apps; the fragment never reaches the server.
 */
export async function encodeShare(program: SharedProgram): Promise<string> {
  const params = new URLSearchParams({ lang: program.language, code: toBase64Url(await deflate(program.code)) });
  if (program.stdin !== '') params.set('stdin', toBase64Url(await deflate(program.stdin)));
  if (program.args !== '') params.set('args', toBase64Url(await deflate(program.args)));
  return params.toString();
}

/** The program in a fragment made by encodeShare, null when the fragment holds none, or DamagedLinkError. */
export async function decodeShare(hash: string): Promise<SharedProgram | null> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const language = params.get('lang');
  const code = params.get('code');
  if (language === null || code === null) return null;
  const field = async (name: string, value: string | null): Promise<string> => {
    if (value === null) return '';
    try {
      return await inflate(fromBase64Url(value));
    } catch {
      throw new DamagedLinkError(`The shared link is damaged (its ${name} cannot be decoded); was it cut short?`);
    }
  };
  return {
    language,
    code: await field('code', code),
    stdin: await field('stdin', params.get('stdin')),
    args: await field('args', params.get('args')),
  };
}
