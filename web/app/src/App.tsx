// The root screen: picks the screen for the session's state.
import { Login } from "./screens/Login";
import { Shell } from "./screens/Shell";
import { load, useStore } from "./store";

export function App() {
  const state = useStore();
  switch (state.kind) {
    case "loading":
      return (
        <p class="center" role="status">
          Loading…
        </p>
      );
    case "failed":
      return (
        <div class="center" role="alert">
          <p>Switchboard could not load: {state.message}</p>
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </div>
      );
    case "signed_out":
      return <Login />;
    case "signed_in":
      return <Shell session={state.session} team={state.team} />;
  }
}
