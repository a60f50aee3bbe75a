import { runConformance } from './index.js';
import { cpu } from '@tessera/backend-cpu';

runConformance(() => cpu());
