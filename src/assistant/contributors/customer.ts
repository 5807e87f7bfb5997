/**
 * The caller's name from the business's customer records (cached), for callers the business
 * knows but who never told the assistant their name. Listed before caller memory in the index,
 * so a name the caller gave on a call wins.
 */
import { genKeys } from "../../cache/keys.ts";
import { findCustomerByPhone } from "../../services/customers.ts";
import type { CallerProfileContributor } from "../caller-profile.ts";

export const customerContributor: CallerProfileContributor = {
  name: "customer",
  generations: (callerNumber) => [genKeys.phone(callerNumber)],
  async load(deps, callerNumber, signal) {
    signal.throwIfAborted();
    const customer = await findCustomerByPhone(deps, callerNumber);
    return customer?.name ? { name: customer.name } : {};
  },
};
