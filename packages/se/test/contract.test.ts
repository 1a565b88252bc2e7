import { join } from 'node:path';
import { connectElement, createMemoryChip, createTray, serveTray } from '../src/index.js';
import { describeSecureElementContract } from './contract.js';
import { tempDir } from './helpers.js';

describeSecureElementContract('emulator, in process', async () => ({ element: createMemoryChip().element() }));

describeSecureElementContract('framed client, in-process transport', async () => ({
  element: createMemoryChip().framedElement(),
}));

describeSecureElementContract('framed client, Unix domain socket to a served tray', async () => {
  const dir = await tempDir();
  const [serialHex] = await createTray(join(dir.path, 'tray'), 1);
  const socketPath = join(dir.path, 'se.sock');
  const server = await serveTray(join(dir.path, 'tray'), { socketPath });
  const element = await connectElement({ socketPath, serialHex: serialHex! });
  return {
    element,
    cleanup: async () => {
      await server.close();
      await dir.remove();
    },
  };
});

describeSecureElementContract('framed client, loopback TCP to a served tray', async () => {
  const dir = await tempDir();
  const [serialHex] = await createTray(dir.path, 1);
  const server = await serveTray(dir.path, { port: 0 });
  const { port } = server.address as { port: number };
  const element = await connectElement({ port, serialHex: serialHex! });
  return {
    element,
    cleanup: async () => {
      await server.close();
      await dir.remove();
    },
  };
});
