"""预约服务系统 (appointments) simulator: halls, slots per item, bookings."""
