// "Collecting the files": the collector script, embedded in the page at build time
// (sitebuild/collector.py, byte for byte scripts/proxguard-collect.sh), offered as a
// download. Works from file:// and offline: nothing is fetched.

export function initCollect() {
  const source = document.getElementById("pg-collector");
  const button = document.getElementById("collect-download");
  const data = source ? source.textContent.trim() : "";
  if (!data) { // a page not built by build.py (opened from web/ directly)
    button.disabled = true;
    document.getElementById("collect-size").textContent = "Not embedded in this copy of the page; use scripts/proxguard-collect.sh from the repository.";
    return;
  }
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  document.getElementById("collect-size").textContent = `${(bytes.length / 1024).toFixed(1)} KB, a plain shell script: read it before running it.`;
  button.addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([bytes], { type: "text/x-shellscript" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = source.dataset.name || "proxguard-collect.sh";
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
}
