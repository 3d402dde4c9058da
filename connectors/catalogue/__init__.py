"""事项管理系统 (the service-item catalogue): items, bundles and their guides."""
