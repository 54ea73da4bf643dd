"""UI strings in Chinese and English, and the language of the current request.

Only words of the interface live here; names of node types and properties come from the
ontology, and the documents' own Chinese is shown as it is.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
COOKIE = "lang"

MESSAGES: dict[str, dict[str, str]] = {
    "zh": {
        "app_title": "政策知识图谱",
        "lang_name": "中文",
        "overview": "概览",
        "documents_heading": "已载入的政策文件",
        "no_documents": "尚未载入任何政策文件。请先运行 policykg load data/policies/。",
        "view_graph": "查看关系图",
        "chapter_caption": "第{number}章",
        "article_caption": "第{number}条",
        "measure_caption": "措施{seq}",
        "no_chapter": "未分章",
        "article_count": "{n} 条",
        "number": "序号",
        "stats_heading": "图谱统计",
        "nodes": "节点",
        "relationships": "关系",
        "count": "数量",
        "graph_heading": "关系图",
        "show_type": "显示{label}",
        "legend": "图例",
        "details": "详细信息",
        "details_hint": "点击图中的节点查看详细信息。",
        "find_node": "查找节点",
        "choose_node": "（选择节点）",
        "loading": "正在加载…",
        "load_failed": "关系图加载失败",
        "back": "返回概览",
        "node_type": "类型",
        "untitled": "（无标题）",
        "error_title": "出错了",
        "error_400": "请求参数有误",
        "error_404": "未找到该页面或数据",
        "error_503": "图数据库暂不可用",
        "error_500": "服务器内部错误",
        "where": "位置",
        "hint": "提示",
        "no_such_document": "没有这个政策文件",
        "internal_error": "处理请求时发生内部错误，详情见服务器日志。",
    },
    "en": {
        "app_title": "Policy knowledge graph",
        "lang_name": "English",
        "overview": "Overview",
        "documents_heading": "Loaded policy documents",
        "no_documents": "No policy documents are loaded yet. Run policykg load data/policies/ first.",
        "view_graph": "View graph",
        "chapter_caption": "Chapter {number}",
        "article_caption": "Article {number}",
        "measure_caption": "Measure {seq}",
        "no_chapter": "No chapter",
        "article_count": "{n} articles",
        "number": "No.",
        "stats_heading": "Graph statistics",
        "nodes": "Nodes",
        "relationships": "Relationships",
        "count": "Count",
        "graph_heading": "Graph",
        "show_type": "Show {label} nodes",
        "legend": "Legend",
        "details": "Details",
        "details_hint": "Click a node in the graph to see its details.",
        "find_node": "Find a node",
        "choose_node": "(choose a node)",
        "loading": "Loading…",
        "load_failed": "The graph could not be loaded",
        "back": "Back to the overview",
        "node_type": "Type",
        "untitled": "(untitled)",
        "error_title": "Something went wrong",
        "error_400": "Bad request parameters",
        "error_404": "Page or data not found",
        "error_503": "The graph store is not available",
        "error_500": "Internal server error",
        "where": "Where",
        "hint": "Hint",
        "no_such_document": "No such policy document",
        "internal_error": "An internal error occurred while handling the request; see the server log.",
    },
}


def current_lang() -> str:
    """``?lang=`` if valid, else the ``lang`` cookie, else Chinese."""
    if "lang" not in g:
        asked = request.args.get("lang")
        chosen = asked if asked in LANGS else request.cookies.get(COOKIE)
        g.lang = chosen if chosen in LANGS else DEFAULT_LANG
    return g.lang


def msg(key: str, **values: object) -> str:
    """The UI string ``key`` in the current language, formatted with ``values``."""
    text = MESSAGES[current_lang()][key]
    return text.format(**values) if values else text


def pick(zh: str, en: str) -> str:
    """Choose between an ontology's zh and en label (falling back to zh)."""
    return (en or zh) if current_lang() == "en" else zh


def other_lang() -> str:
    """The language the switch link offers."""
    return "en" if current_lang() == "zh" else "zh"


def init_app(app: Flask) -> None:
    """Make ``msg``/``pick`` available to templates and remember an explicit ``?lang=`` choice."""

    @app.context_processor
    def _i18n() -> dict[str, object]:
        return {"msg": msg, "pick": pick, "lang": current_lang(), "other_lang": other_lang(),
                "messages": MESSAGES}

    @app.after_request
    def _remember(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in LANGS:
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response
