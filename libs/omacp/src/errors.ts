export type ProvisioningErrorCode =
  'PROV_XML_INVALID' | 'PROV_STRUCTURE_INVALID' | 'PROV_BUILDER_INVALID' | 'PROV_WBXML_FAILED';

/** A provisioning document could not be parsed, built or encoded. */
export class ProvisioningDocumentError extends Error {
  constructor(
    readonly code: ProvisioningErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(path ? `${message} (at ${path})` : message);
    this.name = 'ProvisioningDocumentError';
  }
}
