"""feedtool check: Apple Podcasts, PSP-1 / Podcast Index and subscriber-safety rules over a feed or a show folder,
and checks of the server that hosts it. Modules: xml (hardened parsing), context (where findings point),
apple, psp, safety (the rules), rules (running them over a feed, a show folder and build's episodes),
server (HTTP), run (the command and its report)."""
