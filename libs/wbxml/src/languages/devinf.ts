import { LanguageDefinition, numberFrom5 } from './language-definition';

// SyncML DevInf 1.1 / 1.2 page 0 (OMA-TS-DS_DevInf-V1_2; ../shared/protocols/omadm-cp-wap.md §2.5).
const DEVINF_COMMON = [
  'CTCap',
  'CTType',
  'DataStore',
  'DataType',
  'DevID',
  'DevInf',
  'DevTyp',
  'DisplayName',
  'DSMem',
  'Ext',
  'FwV',
  'HwV',
  'Man',
  'MaxGUIDSize',
  'MaxID',
  'MaxMem',
  'Mod',
  'OEM',
  'ParamName',
  'PropName',
  'Rx',
  'Rx-Pref',
  'SharedMem',
]; // 0x05..0x1B
const DEVINF_TAIL = [
  'SourceRef',
  'SwV',
  'SyncCap',
  'SyncType',
  'Tx',
  'Tx-Pref',
  'ValEnum',
  'VerCT',
  'VerDTD',
  'XNam',
  'XVal',
  'UTC',
  'SupportNumberOfChanges',
  'SupportLargeObjs',
]; // 0x1D..0x2A

export const DEVINF_NAMESPACE = 'syncml:devinf';

export const devinf11: LanguageDefinition = {
  id: 'devinf11',
  publicIdCode: 0x0fd4,
  publicId: '-//SYNCML//DTD DevInf 1.1//EN',
  systemId: 'http://www.syncml.org/docs/devinf_v11_20020215.dtd',
  rootTag: 'DevInf',
  tagPages: [
    {
      page: 0,
      namespace: DEVINF_NAMESPACE,
      tags: [
        ...numberFrom5(DEVINF_COMMON),
        [0x1c, 'Size'],
        ...DEVINF_TAIL.map((n, i) => [0x1d + i, n] as const),
      ],
    },
  ],
  attributeStarts: [],
  attributeValues: [],
  nestedDocuments: [],
};

export const devinf12: LanguageDefinition = {
  id: 'devinf12',
  publicIdCode: 0x1203,
  publicId: '-//SYNCML//DTD DevInf 1.2//EN',
  systemId: 'http://www.openmobilealliance.org/tech/DTD/OMA-SyncML-Device_Information-DTD-1.2.dtd',
  rootTag: 'DevInf',
  tagPages: [
    {
      page: 0,
      namespace: DEVINF_NAMESPACE,
      tags: [
        ...numberFrom5(DEVINF_COMMON),
        [0x1c, 'MaxSize'],
        ...DEVINF_TAIL.map((n, i) => [0x1d + i, n] as const),
        [0x2b, 'Property'],
        [0x2c, 'PropParam'],
        [0x2d, 'MaxOccur'],
        [0x2e, 'NoTruncate'],
        [0x30, 'Filter-Rx'],
        [0x31, 'FilterCap'],
        [0x32, 'FilterKeyword'],
        [0x33, 'FieldLevel'],
        [0x34, 'SupportHierarchicalSync'],
      ],
    },
  ],
  attributeStarts: [],
  attributeValues: [],
  nestedDocuments: [],
};
