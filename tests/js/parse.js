// Reads a feed on stdin and prints what podcast-partytime makes of it, as JSON.
const pt = require("podcast-partytime");
let xml = "";
process.stdin.on("data", (chunk) => (xml += chunk));
process.stdin.on("end", () => {
  const feed = pt.parseFeed(xml, { allowMissingGuid: true });
  process.stdout.write(JSON.stringify(feed));
});
