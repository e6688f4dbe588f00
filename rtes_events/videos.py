"""Video links of replays: which hosts can be embedded, privacy-friendly, and chapter lists.

An embed is only built for hosts known to offer one (YouTube through ``youtube-nocookie.com``,
Vimeo with ``dnt=1``, PeerTube instances); the page loads it only when the viewer asks (no
JavaScript: a link to the page with ``?lecture=1``). Any other address is a plain link.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

YOUTUBE_HOSTS = {"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtube-nocookie.com"}
VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
YOUTUBE_ID = re.compile(r"[A-Za-z0-9_-]{11}")
PEERTUBE_PATH = re.compile(r"/(?:w|videos/watch|videos/embed)/([A-Za-z0-9-]{6,64})/?")
CHAPTER = re.compile(r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\s*(?:[-–—:]\s*)?(.+)")


@dataclass(frozen=True)
class Video:
    url: str  # the page on the host's site
    host: str  # « YouTube », « Vimeo », « PeerTube (video.example.org) », « IdealCo », or the domain
    embed: str | None = None  # the player's address, when the host offers one

    @property
    def origin(self) -> str | None:
        """What the page's ``frame-src`` must allow to show the player."""
        if not self.embed:
            return None
        parts = urlsplit(self.embed)
        return f"{parts.scheme}://{parts.netloc}"

    def player(self, start: int = 0) -> str | None:
        """The player's address, starting at ``start`` seconds."""
        if not self.embed or not start:
            return self.embed
        if "player.vimeo.com" in self.embed:
            return f"{self.embed}#t={start}s"
        separator = "&" if "?" in self.embed else "?"
        return f"{self.embed}{separator}{urlencode({'start': start})}"


def video_of(url: str) -> Video:
    """What ``url`` is: an embeddable video, or a page to link to."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in YOUTUBE_HOSTS:
        if video_id := _youtube_id(host, parts):
            return Video(url, "YouTube", f"https://www.youtube-nocookie.com/embed/{video_id}")
        return Video(url, "YouTube")
    if host in VIMEO_HOSTS:
        if match := re.fullmatch(r"/(?:video/)?(\d+)/?", parts.path):
            return Video(url, "Vimeo", f"https://player.vimeo.com/video/{match[1]}?dnt=1")
        return Video(url, "Vimeo")
    if host.endswith("idealco.fr"):
        return Video(url, "IdealCo")
    if parts.scheme == "https" and (match := PEERTUBE_PATH.fullmatch(parts.path)):
        return Video(url, f"PeerTube ({host})", f"https://{host}/videos/embed/{match[1]}")
    return Video(url, host.removeprefix("www.") or url)


def _youtube_id(host: str, parts) -> str | None:
    if host == "youtu.be":
        candidate = parts.path.strip("/")
    elif parts.path == "/watch":
        candidate = parse_qs(parts.query).get("v", [""])[0]
    else:
        match = re.fullmatch(r"/(?:embed|shorts|live|v)/([^/]+)/?", parts.path)
        candidate = match[1] if match else ""
    return candidate if YOUTUBE_ID.fullmatch(candidate) else None


def parse_chapters(text: str | None) -> list[list]:
    """``"0:00 Introduction"`` lines → ``[[0, "Introduction"], …]`` in time order; a bad line raises
    ValueError with a French message naming it."""
    chapters = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = CHAPTER.fullmatch(line)
        if not match or int(match[3]) > 59 or (match[1] and int(match[2]) > 59):
            raise ValueError(
                f"Chapitres, ligne {number} : écrivez le temps puis le titre, par exemple « 12:30 Débat »."
            )
        seconds = int(match[1] or 0) * 3600 + int(match[2]) * 60 + int(match[3])
        chapters.append([seconds, match[4].strip()[:200]])
    return sorted(chapters, key=lambda chapter: chapter[0])


def timestamp(seconds: int) -> str:
    """``754`` → ``"12:34"``, ``3754`` → ``"1:02:34"``."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def chapters_text(chapters: list[list]) -> str:
    return "\n".join(f"{timestamp(seconds)} {title}" for seconds, title in chapters or [])
