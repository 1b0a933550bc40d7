// Choosing another year submits the filter form at once (the <noscript> button does it
// without JavaScript). A listener rather than an inline onchange attribute, so that the
// Content-Security-Policy can forbid inline scripts (issue 11 §3).
document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
