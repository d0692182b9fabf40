"""Files and URLs in, model values out: the show config, episode files, audio (probe and its lean readers),
transcripts and chapters written in the notes."""
