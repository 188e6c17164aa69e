// node-smpp 0.5 ships no typings; the bind manager and the simulator wrap it behind typed classes.
declare module 'smpp';
