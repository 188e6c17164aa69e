import { servedPrefix } from './workpoint-https.server';

describe('WORKPOINT_PATHS', () => {
  it('serves every path by default, the cookie then valid for all', () => {
    expect(servedPrefix('/provisioningService')).toBe('/');
    expect(servedPrefix('/')).toBe('/');
  });
  it('serves only the configured prefixes (whole segments), the cookie scoped to the one matched', () => {
    const only = ['/DeploymentService', '/dls/'];
    expect(servedPrefix('/DeploymentService', only)).toBe('/DeploymentService');
    expect(servedPrefix('/DeploymentService/LoginService', only)).toBe('/DeploymentService');
    expect(servedPrefix('/dls/x', only)).toBe('/dls/');
    expect(servedPrefix('/DeploymentServiceX', only)).toBeUndefined();
    expect(servedPrefix('/other', only)).toBeUndefined();
  });
});
