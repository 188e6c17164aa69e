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

  it('a first start-up from outside the trusted networks is quarantined', async () => {
    const g = await startWorkpointGateway({ WORKPOINT_TRUSTED_NETWORKS: '10.0.0.0/8' });
    try {
      const phone = await g.phone(); // calls from 127.0.0.1, outside 10/8
      await phone.startUp();
      expect(await g.store.get(phone.options.mac)).toMatchObject({ registration: 'quarantined' });
      expect((await g.core.devices.get(deviceIdOf(phone.options.mac))).tags).toEqual([
        'quarantine',
      ]);
    } finally {
      await g.close();
    }
  });

  it('registration budget per source: beyond it, unknown phones get CleanUp and nothing is stored', async () => {
    const g = await startWorkpointGateway({ WORKPOINT_REGISTRATION_BUDGET_PER_SOURCE: '2' });
    try {
      const [a, b, c] = [await g.phone(), await g.phone(), await g.phone()];
      expect((await a.startUp()).steps.map((s) => s.action)).toEqual(['ReadAllItems', 'CleanUp']);
      expect((await b.startUp()).steps.map((s) => s.action)).toEqual(['ReadAllItems', 'CleanUp']);
      expect((await c.startUp()).steps.map((s) => s.action)).toEqual(['CleanUp']);
      expect(await g.store.get(c.options.mac)).toBeUndefined();
      expect(await g.core.devices.find(deviceIdOf(c.options.mac))).toBeNull();
      expect(await g.source.events()).toContainEqual({
        type: 'request-rejected',
        mac: c.options.mac,
        reason: 'registration budget of 2 new phones an hour from 127.0.0.1 spent',
      });
      // known phones are not counted: a registered one, and one an operator created
      expect((await a.startUp()).error).toBeUndefined();
      const announced = await g.phone();
      await g.source.setDesired(announced.options.mac, []);
      expect((await announced.startUp()).steps[0].action).toBe('ReadAllItems');
    } finally {
      await g.close();
    }
  });
});
