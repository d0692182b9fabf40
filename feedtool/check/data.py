"""Reference lists the rules check against, each with where it comes from. Data only, no logic."""

from __future__ import annotations

# Apple Podcasts categories (podcasters.apple.com/support/1691-apple-podcasts-categories), spelled as the
# itunes:category text attribute takes them: 19 categories, 91 subcategories.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": ("Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies", "Home & Garden",
                "Video Games"),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": ("Business News", "Daily News", "Entertainment News", "News Commentary", "Politics", "Sports News",
             "Tech News"),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion",
                                "Spirituality"),
    "Science": ("Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics", "Natural Sciences",
                "Nature", "Physics", "Social Sciences"),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": ("Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey", "Rugby",
               "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling"),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

# Enclosure types Apple lists (A Podcaster's Guide to RSS, <enclosure>): extension -> type.
APPLE_ENCLOSURE_TYPES = {
    ".m4a": "audio/x-m4a",
    ".mp3": "audio/mpeg",
    ".mov": "video/quicktime",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".pdf": "application/pdf",
}

# Podcast Taxonomy Project (podcast-namespace taxonomy.json), group -> roles, lower case as compared
# (role and group are case-insensitive). The file's own spelling is kept, "translater" included.
PERSON_ROLES: dict[str, tuple[str, ...]] = {
    "creative direction": ("director", "assistant director", "executive producer", "senior producer", "producer",
                           "associate producer", "development producer", "creative director"),
    "cast": ("host", "co-host", "guest host", "guest", "voice actor", "narrator", "announcer", "reporter"),
    "writing": ("author", "editorial director", "co-writer", "writer", "songwriter", "guest writer",
                "story editor", "managing editor", "script editor", "script coordinator", "researcher", "editor",
                "fact checker", "translater", "transcriber", "logger"),
    "audio production": ("studio coordinator", "technical director", "technical manager", "audio engineer",
                         "remote recording engineer", "post production engineer"),
    "audio post-production": ("audio editor", "sound designer", "foley artist", "composer", "theme music",
                              "music production", "music contributor"),
    "administration": ("production coordinator", "booking coordinator", "production assistant", "content manager",
                       "marketing manager", "sales representative", "sales manager"),
    "visuals": ("graphic designer", "cover art designer"),
    "community": ("social media manager",),
    "misc.": ("consultant", "intern"),
    "video production": ("camera operator", "lighting designer", "camera grip", "assistant camera"),
    "video post-production": ("editor", "assistant editor"),
}

# podcast:medium values (podcast-namespace docs/tags/medium.md); each also has a list variant ending in "L".
MEDIUMS = ("podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher", "course")
LIST_MEDIUMS = tuple(m + "L" for m in MEDIUMS) + ("mixed",)

# podcast:transcript types (docs/tags/transcript.md, with the older spec's SRT spellings).
TRANSCRIPT_TYPES = ("text/plain", "text/html", "text/vtt", "application/json", "application/x-subrip",
                    "application/srt", "text/srt")
CHAPTERS_TYPE = "application/json+chapters"

# Names reserved for examples and tests (RFC 2606, RFC 6761): a feed pointing at them points nowhere.
PLACEHOLDER_HOSTS = ("example.com", "example.org", "example.net", "localhost")
PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".example.com", ".example.org",
                        ".example.net")
