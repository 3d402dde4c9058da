"""预约服务系统 (appointments at the government service halls)."""
