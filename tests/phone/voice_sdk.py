"""The Twilio Voice SDK's stand-in for the console's browser tests: the real SDK needs Twilio's
cloud, which tests cannot reach. The webhooks a call leads to are tested for real."""

# Records what the page asks it to dial (window.dialled).
FAKE_SDK = """
window.dialled = [];
window.Twilio = { Device: function () {
  var handlers = {};
  this.on = function (name, handler) { handlers[name] = handler; };
  this.register = function () { if (handlers.registered) { handlers.registered(); } };
  this.updateToken = function () {};
  this.disconnectAll = function () { window.hungUp = true; };
  this.connect = function (options) {
    window.dialled.push(options.params.To);
    return Promise.resolve({ on: function () {} });
  };
} };
"""


def use_sdk_stand_in(page) -> None:
    """The page loads the stand-in wherever it asks for the SDK's file."""
    page.route(
        "**/static/vendor/twilio.min.js",
        lambda route: route.fulfill(body=FAKE_SDK, content_type="text/javascript"),
    )
