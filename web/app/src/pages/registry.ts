// The screen of each page but the inbox (the shell draws that one):
// a page shows in the navigation once it has a screen here.
import type { ComponentType } from "preact";
import type { Session, TeamInfo } from "../api";
import { Contacts } from "../book/Contacts";
import { ImportExport } from "../book/ImportExport";
import { Posts } from "../book/Posts";
import { Blasts } from "../channels/Blasts";
import { Bridges } from "../channels/Bridges";
import { WebChat } from "../channels/WebChat";
import { Bots } from "./Bots";
import { Reports } from "./Reports";
import { Preferences } from "./Preferences";
import { Members } from "./Members";
import type { Page } from "./route";
import { Settings } from "./Settings";
import { Teams } from "./Teams";
import { Usage } from "./Usage";

/** What every page's screen is given. */
export interface PageProps {
  session: Session;
  /** The current team, for a team's page; null otherwise. */
  team: TeamInfo | null;
}

/** The pages built so far, by page. */
export const SCREENS: Partial<
  Record<Exclude<Page, "inbox">, ComponentType<PageProps>>
> = {
  contacts: Contacts,
  posts: Posts,
  import: ImportExport,
  reports: Reports,
  preferences: Preferences,
  settings: Settings,
  members: Members,
  bots: Bots,
  blasts: Blasts,
  webchat: WebChat,
  bridges: Bridges,
  teams: Teams,
  usage: Usage,
};
