"""Tag writers, one module per container; used by tag/run.py and tag/write.py (with read/probe.py the only
mutagen users).

Each module offers the same functions:
    LABELS                           {field: the container's own name for it}, for dry-run output
    open_audio(path, suffix)         the mutagen object (suffix: the container's, for a temp copy named .tmp)
    length(audio)                    seconds
    read(audio) -> fields            what the file holds now, in the fields of tagformats.fields
    normalize(fields, length, lang)  -> (fields as this container can store them, notes on what it cannot)
    write(audio, fields, lang, target)  write the fields that are not None into audio, a temp copy of target
"""

from feedtool.tag import id3, mp4, vorbis

FORMATS = {
    ".mp3": id3,
    ".m4a": mp4,
    ".m4b": mp4,
    ".mp4": mp4,
    ".m4v": mp4,
    ".mov": mp4,
    ".opus": vorbis,
    ".ogg": vorbis,
    ".oga": vorbis,
    ".flac": vorbis,
}
