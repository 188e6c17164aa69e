import { deviceIdOf, startWorkpointGateway } from './support/workpoint-gateway';

/** Plug & play policies other than the default `accept` (flows.e2e.ts covers accept). */
describe('workpoint plug & play policies', () => {
  it('quarantine: registered and tagged, inventory read, no desired state written', async () => {
    const g = await startWorkpointGateway({ WORKPOINT_REGISTRATION: 'quarantine' });
    try {
      const phone = await g.phone();
      const log = await phone.startUp();
      expect(log.steps.map((s) => s.action)).toEqual(['ReadAllItems', 'CleanUp']);
      expect((await g.core.devices.get(deviceIdOf(phone.options.mac))).tags).toEqual([
        'quarantine',
      ]);
      // an operator gives it a desired state: nothing is written while it is quarantined
      await g.source.setDesired(phone.options.mac, [
        { name: 'reg-addr', value: 'pbx.example.com' },
      ]);
      const again = await phone.startUp();
      expect(again.steps.map((s) => s.action)).toEqual(['ReadAllItems', 'CleanUp']);
      expect(await g.store.get(phone.options.mac)).toMatchObject({
        registration: 'quarantined',
        registered: true,
      });
      expect(await g.source.events()).toContainEqual(
        expect.objectContaining({
          type: 'phone-registered',
          mac: phone.options.mac,
          quarantined: true,
        }),
      );
    } finally {
      await g.close();
    }
  });

  it('refuse: an unknown phone gets CleanUp and nothing is stored', async () => {
    const g = await startWorkpointGateway({ WORKPOINT_REGISTRATION: 'refuse' });
    try {
      const phone = await g.phone();
      const log = await phone.startUp();
      expect(log.steps.map((s) => s.action)).toEqual(['CleanUp']);
      expect(await g.store.get(phone.options.mac)).toBeUndefined();
      expect(await g.source.events()).toContainEqual({
        type: 'phone-refused',
        mac: phone.options.mac,
      });
      // the policy is about phones nobody announced: a device created in core is served
      const announced = await g.phone();
      await g.source.setDesired(announced.options.mac, [{ name: 'hostname', value: 'desk-7' }]);
      const served = await announced.startUp();
      expect(served.steps.map((s) => s.action)).toEqual(['ReadAllItems', 'WriteItems', 'CleanUp']);
      expect(await g.store.get(announced.options.mac)).toMatchObject({
        registration: 'accepted',
      });
    } finally {
      await g.close();
    }
  });
});
