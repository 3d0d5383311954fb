"""The browser's JSON façade: the page's worker calls `proxguard.web.handle(type,
payload_json)` and gets JSON text back (facade); the page's inputs become a snapshot in
one place (protocol); the fix loop (fix) and the Firewall tab (firewall) add handlers."""

from proxguard.web.facade import handle

__all__ = ["handle"]
