export const SESSION_COOKIE = 'JSESSIONID';

/**
 * Finds the session cookie in a Cookie header, tolerating what phones send: attributes echoed
 * back (`JSESSIONID=x; path=/`), odd spacing, quotes, several Cookie headers.
 */
export function readSessionCookie(header: string | string[] | undefined): string | undefined {
  if (!header) return undefined;
  const text = Array.isArray(header) ? header.join(';') : header;
  for (const part of text.split(/[;,]/)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toUpperCase() !== SESSION_COOKIE) continue;
    const value = part
      .slice(eq + 1)
      .trim()
      .replace(/^"|"$/g, '');
    if (value) return value;
  }
  return undefined;
}

/** Session ids carry the phone's MAC so a reply-to without items finds its state in one read. */
export function sessionId(random: string, mac: string): string {
  return `${random}.${mac.replace(/:/g, '')}`;
}

export function macOfSession(session: string | undefined): string | undefined {
  const m = session ? /\.([0-9A-F]{12})$/.exec(session) : null;
  return m ? m[1].match(/../g)!.join(':') : undefined;
}
