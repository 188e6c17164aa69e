import { ManagementTree } from './management-tree';

export interface HandsetIdentity {
  devId: string;
  man?: string;
  mod?: string;
  lang?: string;
  /** the DM account's server id (DMAcc/<x>/ServerID) */
  serverId: string;
  serverUrl: string;
  clientName: string;
  clientPassword: string;
}

/**
 * The standard objects a DM 1.2 handset carries (DM StdObj 1.2 §5: DevInfo, DevDetail, DMAcc w7)
 * plus a vendor subtree, with ACLs: DevInfo/DevDetail read-only, the account readable and
 * replaceable by its server, the vendor subtree open.
 */
export function buildDefaultTree(id: HandsetIdentity): ManagementTree {
  const t = new ManagementTree();
  t.set('./DevInfo', undefined, 'node', { acl: 'Get=*' });
  t.set('./DevInfo/DevId', id.devId);
  t.set('./DevInfo/Man', id.man ?? 'dm-bridge');
  t.set('./DevInfo/Mod', id.mod ?? 'SimHandset');
  t.set('./DevInfo/DmV', '1.2');
  t.set('./DevInfo/Lang', id.lang ?? 'en-US');
  t.set('./DevDetail', undefined, 'node', { acl: 'Get=*' });
  t.set('./DevDetail/DevTyp', 'phone');
  t.set('./DevDetail/OEM', 'dm-bridge');
  t.set('./DevDetail/FwV', '1.0');
  t.set('./DevDetail/SwV', '1.0.0');
  t.set('./DevDetail/HwV', 'rev-a');
  t.set('./DevDetail/LrgObj', 'true', 'bool');
  t.set('./DevDetail/URI/MaxDepth', '16', 'int');
  t.set('./DevDetail/URI/MaxTotLen', '256', 'int');
  t.set('./DevDetail/URI/MaxSegLen', '64', 'int');
  t.set('./DMAcc', undefined, 'node', {
    acl: `Get=${id.serverId}&Add=${id.serverId}&Replace=${id.serverId}`,
  });
  t.set('./DMAcc/srv/AppID', 'w7');
  t.set('./DMAcc/srv/ServerID', id.serverId);
  t.set('./DMAcc/srv/Name', 'dm-bridge');
  t.set('./DMAcc/srv/AppAddr/1/Addr', id.serverUrl);
  t.set('./DMAcc/srv/AppAddr/1/AddrType', 'URI');
  t.set('./DMAcc/srv/AppAuth/cl/AAuthLevel', 'CLCRED');
  t.set('./DMAcc/srv/AppAuth/cl/AAuthType', 'DIGEST');
  t.set('./DMAcc/srv/AppAuth/cl/AAuthName', id.clientName);
  // Secrets are write-only (Get not allowed for anybody).
  t.set('./DMAcc/srv/AppAuth/cl/AAuthSecret', id.clientPassword, 'chr', {
    acl: `Replace=${id.serverId}`,
  });
  t.set('./Vendor', undefined, 'node', { acl: 'Get=*&Add=*&Replace=*&Delete=*&Exec=*&Copy=*' });
  t.set('./Vendor/dmbridge/sip/Registrar', 'sip.example.net');
  t.set('./Vendor/dmbridge/sip/Port', '5060', 'int');
  t.set('./Vendor/dmbridge/Reboot', undefined, 'chr', { exec: () => 200 });
  // The nodes the default parameter catalog binds for OMA DM (libs/core default-parameters.json)
  t.set('./Vendor/SIP/Registrar', 'sip.example.net');
  t.set('./Vendor/SIP/RegistrarPort', '5060', 'int');
  t.set('./Vendor/SIP/Server', 'sip.example.net');
  t.set('./Vendor/SIP/User', '');
  t.set('./Vendor/SIP/Password', '', 'chr', { acl: 'Replace=*' });
  t.set('./Vendor/SIP/Realm', '');
  t.set('./Vendor/Time/NtpServer', 'pool.ntp.org');
  t.set('./Vendor/Network/APN', 'internet');
  return t;
}
