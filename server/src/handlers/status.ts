// The `dfsize/status` notification: sent for a document whenever its image, its engine's state or the reason
// changes, and the inlay hints are asked to refresh with it (the numbers changed too).
import { StatusNotification } from '../protocol';
import type { Session } from '../state/session';

export function registerStatus(session: Session, canRefreshHints: boolean): void {
  session.own(
    session.onDocumentChange((uri) => {
      void session.connection.sendNotification(StatusNotification.type, session.status(uri));
      // A client that refuses a refresh still asks for the hints itself when it shows the document again.
      if (canRefreshHints) void session.connection.languages.inlayHint.refresh().catch(() => undefined);
    }),
  );
}
