"""Collect Content-Security-Policy violations in a Playwright page (events and console messages)."""

from __future__ import annotations

RECORDER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(
    e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || '') + ' @ ' + e.sourceFile + ':' + e.lineNumber
  );
});
"""


class CspWatch:
    """Install on a browser context before opening pages; ``violations()`` lists what the CSP blocked."""

    def __init__(self, context):
        self.console: list[str] = []
        context.add_init_script(RECORDER)
        context.on("console", self._on_console)

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(text)

    def violations(self, page) -> list[str]:
        return [*self.console, *page.evaluate("window.__cspViolations || []")]
