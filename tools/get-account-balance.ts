/** "What do I owe?": balance and due date of the caller's own account. */
import { z } from "zod";
import { getAccountBalance, warmAccountQueries } from "../src/services/billing/balance.ts";
import { defineTool } from "../src/tools/define-tool.ts";
import { callerOf, fromResult, NO_CALLER } from "../src/tools/service-result.ts";

export default defineTool({
  name: "get_account_balance",
  description:
    "Tells the caller the balance of their account, when it is due, and the open invoices. Only the caller's own accounts are visible.",
  parameters: z.object({
    accountNumber: z.string().trim().min(1).max(40).optional().describe("The account number, if the caller has more than one account."),
  }),
  messages: { start: "Let me look up your account." },
  warm: (ctx) => warmAccountQueries(ctx),
  handler: async ({ input, ctx }) => {
    const caller = callerOf(ctx);
    if (!caller) return NO_CALLER;
    return fromResult(await getAccountBalance(ctx, { callerNumber: caller, accountNumber: input.accountNumber }));
  },
});
