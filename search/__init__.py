"""Smart search and answers (智能搜索 / 智能问答): one analyzer, two engines, the FAQ in SQL."""
