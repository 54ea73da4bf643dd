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
        "no_such_article": "没有这个条款",
        "enterprises_nav": "企业",
        "enterprises_heading": "企业可申请的扶持",
        "enterprise_search": "统一社会信用代码或企业名称",
        "search": "查找",
        "enterprise_name": "企业名称",
        "district": "行政区",
        "no_matches": "没有找到企业。",
        "article": "条款",
        "requirement": "资质 → 要求",
        "bureaus": "受理单位",
        "as_of": "日期",
        "what_if": "假设取得资质",
        "may_claim": "可以申请",
        "near_misses": "差一点(原因)",
        "would_switch_on": "假设取得后可以申请",
        "none": "无。",
        "source_text": "原文(高亮为扶持措施)",
        "requires": "要求资质",
        "provides": "支持方式",
        "internal_error": "处理请求时发生内部错误，详情见服务器日志。",
        "queries_nav": "查询",
        "queries_heading": "查询库",
        "queries_intro": "共 {n} 个常用问题。选择一个问题，填写参数即可得到答案，结果可下载为 CSV 或 JSON。",
        "query_problems": "以下查询文件有问题，已跳过：",
        "filter_queries": "筛选",
        "filter_placeholder": "输入关键词，如 资质、单位",
        "no_match": "没有匹配的查询。",
        "group_policy": "政策查询",
        "group_review": "待审核（供校订人员使用）",
        "group_deployment": "本部署添加的查询",
        "show_table": "表格",
        "show_bar": "柱状图",
        "show_graph": "关系图",
        "parameters": "参数",
        "optional": "可选",
        "no_parameters": "无参数",
        "required": "必填",
        "choose": "（请选择）",
        "default_value": "（默认：{value}）",
        "any_value": "（不限）",
        "yes": "是",
        "no": "否",
        "run_query": "运行查询",
        "back_to_queries": "返回查询库",
        "no_such_query": "没有这个查询",
        "cypher": "查询语句（Cypher）",
        "results_heading": "查询结果",
        "row_count": "{n} 行",
        "no_rows": "没有符合条件的结果。",
        "showing_rows": "仅显示前 {shown} 行（共 {total} 行），完整结果请下载 CSV。",
        "showing_bars": "仅显示前 {shown} 项（共 {total} 项）",
        "showing_nodes": "仅显示 {shown} 个节点（共 {total} 个）。",
        "download_csv": "下载 CSV",
        "download_json": "下载 JSON",
        "chart_caption": "数值：{value}；标签：{labels}",
        "chart_no_numbers": "结果中没有数值列，无法绘制柱状图。",
        "no_graph": "结果中没有可绘制的节点。",
        "back_to_enterprises": "返回企业查找",
        "uscc": "统一社会信用代码",
        "check": "查看",
        "explanation_heading": "解释路径",
        "explanation_hint": ("企业 → 持有的资质 → (上位)要求的资质 ← 扶持措施 ← 条款，以及受理单位。"
                             "点击节点查看详细信息，点击条款可看原文。"),
        "showing_claims": "仅画出前 {shown} 项（共 {total} 项），完整列表见上表。",
        "edge_assumed": "假设取得的资质",
        "edge_unmet": "差一点：不满足的要求",
        "assumed_suffix": "（假设）",
        "reason_level": "要求{need}，持有{held}",
        "reason_expired": "已于 {date} 到期",
        "reason_not_yet": "{date} 才取得",
        "assume_hint": "填写资质名称或别名，可加级别，如 高新技术企业:国家级",
        "search_nodes": "搜索节点",
        "search_placeholder": "名称或别名，如 高企",
        "no_search_matches": "没有匹配的节点。",
        "search_more": "共 {total} 个匹配，仅列出前 {shown} 个。",
        "search_failed": "搜索失败",
        "assumed": "假设",
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
        "no_such_article": "No such article",
        "enterprises_nav": "Enterprises",
        "enterprises_heading": "What an enterprise may claim",
        "enterprise_search": "USCC or enterprise name",
        "search": "Search",
        "enterprise_name": "Name",
        "district": "District",
        "no_matches": "No enterprise found.",
        "article": "Article",
        "requirement": "Held → required",
        "bureaus": "Bureaus to call",
        "as_of": "On",
        "what_if": "What if it obtained",
        "may_claim": "May claim",
        "near_misses": "Near misses (why)",
        "would_switch_on": "Would switch on",
        "none": "None.",
        "source_text": "Source text (measures highlighted)",
        "requires": "Requires",
        "provides": "Provides",
        "internal_error": "An internal error occurred while handling the request; see the server log.",
        "queries_nav": "Queries",
        "queries_heading": "Saved queries",
        "queries_intro": ("{n} questions people ask often. Pick one, fill in its parameters and get the answer; "
                          "download it as CSV or JSON."),
        "query_problems": "These query files have problems and were skipped:",
        "filter_queries": "Filter",
        "filter_placeholder": "a word, e.g. qualification, bureau",
        "no_match": "No query matches.",
        "group_policy": "Policy questions",
        "group_review": "To review (for curators)",
        "group_deployment": "Added by this deployment",
        "show_table": "Table",
        "show_bar": "Bar chart",
        "show_graph": "Graph",
        "parameters": "Parameters",
        "optional": "optional",
        "no_parameters": "No parameters",
        "required": "required",
        "choose": "(choose)",
        "default_value": "(default: {value})",
        "any_value": "(any)",
        "yes": "yes",
        "no": "no",
        "run_query": "Run query",
        "back_to_queries": "Back to saved queries",
        "no_such_query": "No such saved query",
        "cypher": "Query text (Cypher)",
        "results_heading": "Result",
        "row_count": "{n} rows",
        "no_rows": "No rows match.",
        "showing_rows": "Showing the first {shown} of {total} rows; download the CSV for all of them.",
        "showing_bars": "showing the first {shown} of {total}",
        "showing_nodes": "Showing {shown} of {total} nodes.",
        "download_csv": "Download CSV",
        "download_json": "Download JSON",
        "chart_caption": "Value: {value}; label: {labels}",
        "chart_no_numbers": "The result has no numeric column to draw as bars.",
        "no_graph": "The result has no nodes to draw.",
        "back_to_enterprises": "Back to the enterprise search",
        "uscc": "USCC",
        "check": "Check",
        "explanation_heading": "Why: the explanation path",
        "explanation_hint": ("Enterprise → qualification held → (broader) qualification required ← measure ← article, "
                             "and the bureaus that handle it. Click a node for its details, an article for its text."),
        "showing_claims": "Drawing the first {shown} of {total}; the tables above list them all.",
        "edge_assumed": "assumed qualification",
        "edge_unmet": "near miss: requirement not met",
        "assumed_suffix": " (assumed)",
        "reason_level": "needs {need}, holds {held}",
        "reason_expired": "expired on {date}",
        "reason_not_yet": "obtained only on {date}",
        "assume_hint": "a qualification's name or alias, optionally with a level, e.g. 高新技术企业:国家级",
        "search_nodes": "Search nodes",
        "search_placeholder": "a name or alias, e.g. 高企",
        "no_search_matches": "No node matches.",
        "search_more": "{total} matches; showing the first {shown}.",
        "search_failed": "Search failed",
        "assumed": "assumed",
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
