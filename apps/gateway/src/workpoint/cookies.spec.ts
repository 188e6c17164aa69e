import { macOfSession, readSessionCookie, sessionId } from './cookies';

describe('session cookie', () => {
  it.each([
    ['JSESSIONID=abc', 'abc'],
    ['JSESSIONID=abc; path=/', 'abc'], // phones echo the attribute back (PENTA capture)
    ['foo=1;  jsessionid = "abc" ; Path=/DeploymentService', 'abc'],
    [['a=1', 'JSESSIONID=xyz'], 'xyz'],
    ['PHPSESSID=1; path=/', undefined],
    ['JSESSIONID=', undefined],
    [undefined, undefined],
  ])('reads %j leniently', (header, expected) => {
    expect(readSessionCookie(header as any)).toBe(expected);
  });

  it('carries the MAC so a reply-to without items finds its phone', () => {
    const id = sessionId('r4nd0m', '00:1A:E8:00:00:01');
    expect(id).toBe('r4nd0m.001AE8000001');
    expect(macOfSession(id)).toBe('00:1A:E8:00:00:01');
    expect(macOfSession('garbage')).toBeUndefined();
  });
});
