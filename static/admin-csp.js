// The back office runs under a strict Content-Security-Policy: no inline event handlers and no
// javascript: URLs. Flask-Admin's menu, filter and pager links point at "#" or javascript:void(0);
// stop them from navigating here, in the capture phase, before any handler of Flask-Admin's runs.
document.addEventListener("click", function (event) {
  var link = event.target.closest('a[href="#"], a[href^="javascript:"]');
  if (link) {
    event.preventDefault();
  }
}, true);
