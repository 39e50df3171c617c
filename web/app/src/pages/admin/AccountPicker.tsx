// Which of the user's accounts an account page shows: the first they own,
// or the one chosen here when they own several.
import { useState } from "preact/hooks";
import type { AccountInfo } from "../../api";

/** The account shown, and a chooser (null with one account). */
export function useAccount(accounts: AccountInfo[]) {
  const [chosen, setChosen] = useState<number | null>(null);
  const account = accounts.find((a) => a.id === chosen) ?? accounts[0] ?? null;
  const picker =
    accounts.length > 1 && account !== null ? (
      <label class="account-picker">
        Account
        <select
          value={String(account.id)}
          onChange={(e) => {
            setChosen(Number(e.currentTarget.value));
          }}
        >
          {accounts.map((a) => (
            <option key={a.id} value={String(a.id)}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
    ) : null;
  return { account, picker };
}
