"""Markdown to HTML with cmark-gfm and its autolink extension, freeing what cmarkgfm's own wrapper leaks.

cmarkgfm's `markdown_to_html_with_extensions` (2025.10.22) never frees the document tree nor the HTML buffer
cmark returns: ~20 KB a call, 100 MB in each worker of a 10,000-episode build (benchmarks/build_bench.py, peak
memory). This is the same sequence of cmark calls, with both freed as cmark's documentation asks (its own
Python example was fixed the same way: commonmark/cmark#544). tests/test_notes.py holds it equal to cmarkgfm's
function and its memory flat. The two frees are called through ctypes: cffi's cdef would parse C declarations
with pycparser on every start (~20 ms, benchmarks/startup_bench.py).
"""

from __future__ import annotations

import ctypes

from cmarkgfm import _cmark
from cmarkgfm.cmark import (
    core_extensions_ensure_registered,
    find_syntax_extension,
    parser_attach_syntax_extension,
    parser_feed,
    parser_finish,
    parser_free,
    parser_get_syntax_extensions,
    parser_new,
)

_node_free = ctypes.CDLL(_cmark.__file__).cmark_node_free  # cmarkgfm's own copy of cmark, whose allocator made the tree
_node_free.argtypes, _node_free.restype = [ctypes.c_void_p], None
_free = ctypes.CDLL(None).free  # cmark's default allocator is libc's
_free.argtypes, _free.restype = [ctypes.c_void_p], None


def markdown_to_html(text: str, options: int, extensions: tuple[str, ...]) -> str:
    """cmarkgfm.cmark.markdown_to_html_with_extensions(text, options, extensions), without its leaks."""
    core_extensions_ensure_registered()
    parser = parser_new(options=options)
    try:
        for name in extensions:
            parser_attach_syntax_extension(parser, find_syntax_extension(name))
        parser_feed(parser, text)
        root = parser_finish(parser)
        try:
            raw = _cmark.lib.cmark_render_html(root, options, parser_get_syntax_extensions(parser))
            try:
                return _cmark.ffi.string(raw).decode("utf-8")
            finally:
                _free(_address(raw))
        finally:
            _node_free(_address(root))
    finally:
        parser_free(parser)


def _address(pointer) -> int:
    """A pointer of cmarkgfm's FFI as an address for ctypes."""
    return int(_cmark.ffi.cast("uintptr_t", pointer))
