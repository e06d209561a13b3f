import ImageInspector
import Logging
import VirtModel

extension Poller {
    /// Every pool with its volumes, and each file or block volume's chain inspected.
    mutating func collectPools(_ connection: LibvirtConnection) throws(LibvirtError) -> [StoragePool] {
        var pools: [StoragePool] = []
        // libvirt lists in hash order, which changes from process to process: sort
        // by name so that a new host's rows get the same indexes every time.
        for handle in try connection.allStoragePools().sorted(by: { (try? $0.name) ?? "" < (try? $1.name) ?? "" }) {
            do {
                pools.append(try pool(handle))
            } catch where error.isVanishedObject {
                continue
            }
        }
        return pools
    }

    private mutating func pool(_ handle: LibvirtStoragePool) throws(LibvirtError) -> StoragePool {
        let uuid = try handle.uuid
        let info = try handle.info
        let state = PoolState(libvirt: info.state)
        let index = indexes.pools.index(for: uuid)
        var volumes: [Volume] = []
        if state == .running || state == .degraded {
            for volume in try handle.volumes().sorted(by: { (try? $0.name) ?? "" < (try? $1.name) ?? "" }) {
                do throws(LibvirtError) {
                    volumes.append(try self.volume(volume, poolIndex: index, poolUUID: uuid))
                } catch where error.isVanishedObject {
                    continue
                }
            }
            // File and block volumes' chains, inspected in one batch.
            // Not for a poll abandoned in libvirt: its result is thrown away.
            let images = isAbandoned() ? [] : volumes.indices.filter { volumes[$0].type == .file || volumes[$0].type == .block }
            let outcomes = inspections.chains(of: images.map { (volumes[$0].path, volumes[$0].format.isEmpty ? nil : volumes[$0].format) })
            for (position, outcome) in zip(images, outcomes) {
                (volumes[position].chain, volumes[position].inspectionOverdue) = Self.chain(outcome)
            }
        }
        return StoragePool(
            index: index, name: try handle.name, uuid: uuid, type: StorageDefinition(xml: try handle.xml).type,
            state: state, capacity: info.capacity, allocation: info.allocation, available: info.available,
            autostart: try handle.autostart, persistent: try handle.isPersistent, volumes: volumes)
    }

    private mutating func volume(_ handle: LibvirtStorageVolume, poolIndex: UInt32,
                                 poolUUID: String) throws(LibvirtError) -> Volume {
        // One call per volume: name and key are held by the handle, and the XML
        // carries the path, type, sizes and backing store that four calls would.
        let key = try handle.key
        let definition = StorageDefinition(xml: try handle.xml)
        var (declaredType, path) = (VolumeType(name: definition.type), definition.path)
        var (capacity, allocation) = (definition.capacity, definition.allocation)
        if declaredType == nil || path.isEmpty || capacity == nil || allocation == nil {
            // A driver whose XML lacks something: ask for it.
            let info = try handle.info()
            declaredType = declaredType ?? VolumeType(rawValue: Int32(info.type)) ?? .file
            capacity = capacity ?? info.capacity
            allocation = allocation ?? info.allocation
            if path.isEmpty { path = try handle.path }
        }
        let physical = definition.physical ?? allocation ?? 0
        let type = declaredType ?? .file
        return Volume(
            index: indexes.volume(key, ofPool: poolUUID), poolIndex: poolIndex, name: try handle.name,
            path: path, key: key, type: type, format: definition.format, capacity: capacity ?? 0,
            allocation: allocation ?? 0, physical: physical, backingPath: definition.backingPath, chain: nil)
    }
}
