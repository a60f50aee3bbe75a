/** The one helper every broadcasting gradient rule shares, defined in tensor-core beside the rules. */
export { unbroadcast } from '@tessera/tensor-core';
