import { runConformance } from '@tessera/conformance';
import { cpu } from './index.js';

runConformance(() => cpu());
