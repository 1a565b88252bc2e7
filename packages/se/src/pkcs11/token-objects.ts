import type * as Pkcs11Namespace from 'pkcs11js';
import type { LoadedModule } from './module.js';

type Handle = Buffer;
type Template = Pkcs11Namespace.Template;

/** CKA_APPLICATION of every data object this package makes. */
export const APPLICATION = 'keyline';

/** CKA_LABEL (and, for keys, CKA_ID) of slot `slot`'s objects. */
export function slotLabel(slot: number): string {
  return `keyline-slot-${slot}`;
}

/** CKA_LABEL of monotonic counter `id`. */
export function counterLabel(id: number): string {
  return `keyline-counter-${id}`;
}

/** CKA_LABEL of the data object that keeps the lock state. */
export const LOCKS_LABEL = 'keyline-locks';

/**
 * The objects of one logged-in session: finding them by class and label, and the CKO_DATA objects that
 * hold slots, counters and locks. It reads CKA_VALUE of data objects only.
 */
export class TokenObjects {
  constructor(
    private readonly module: LoadedModule,
    private readonly session: Handle,
  ) {}

  /** Every object of class `cls` labelled `label`. */
  find(cls: number, label: string): Handle[] {
    const { api, lib } = this.module;
    api.C_FindObjectsInit(this.session, [
      { type: lib.CKA_CLASS, value: cls },
      { type: lib.CKA_LABEL, value: label },
    ]);
    try {
      return api.C_FindObjects(this.session, 16);
    } finally {
      api.C_FindObjectsFinal(this.session);
    }
  }

  destroy(handles: readonly Handle[]): void {
    for (const handle of handles) this.module.api.C_DestroyObject(this.session, handle);
  }

  /** The values of every data object labelled `label` (normally one; two only after a write was cut short). */
  readAllData(label: string): Uint8Array[] {
    const { api, lib } = this.module;
    return this.find(lib.CKO_DATA, label).map((handle) => {
      const [attribute] = api.C_GetAttributeValue(this.session, handle, [{ type: lib.CKA_VALUE }]);
      return new Uint8Array(attribute?.value ?? Buffer.alloc(0));
    });
  }

  /** The value of the data object `label`, or undefined if there is none. */
  readData(label: string): Uint8Array | undefined {
    return this.readAllData(label)[0];
  }

  /**
   * Sets the value of the data object `label` by making a new private token object holding it and then
   * destroying the old one: tokens may refuse to change CKA_VALUE in place (SoftHSM2 answers
   * CKR_ATTRIBUTE_READ_ONLY; PKCS#11 v2.40 section 4.1.2 lets them), and the new value exists before the
   * old one goes.
   */
  writeData(label: string, value: Uint8Array): void {
    const { api, lib } = this.module;
    const old = this.find(lib.CKO_DATA, label);
    const template: Template = [
      { type: lib.CKA_CLASS, value: lib.CKO_DATA },
      { type: lib.CKA_TOKEN, value: true },
      { type: lib.CKA_PRIVATE, value: true },
      { type: lib.CKA_LABEL, value: label },
      { type: lib.CKA_APPLICATION, value: APPLICATION },
      { type: lib.CKA_VALUE, value: Buffer.from(value) },
    ];
    api.C_CreateObject(this.session, template);
    this.destroy(old);
  }
}
