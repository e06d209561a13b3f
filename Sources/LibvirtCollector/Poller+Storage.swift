import ImageInspector
import Logging
import VirtModel

extension Poller {
    /// Every pool with its volumes, and each file or block volume's chain inspected.
    /// A steady poll costs a few calls a pool: the listings and the pools' own
    /// figures; volume descriptions come from ``StorageDefinitionCache``, and the
    /// sizes of volumes that are local files from the files themselves.
    mutating func collectPools(_ connection: LibvirtConnection) throws(LibvirtError) -> [StoragePool] {
        var pools: [StoragePool] = []
        var seen = Set<String>()
        // libvirt lists in hash order, which changes from process to process: sort
        // by name so that a new host's rows get the same indexes every time.
        for handle in try connection.allStoragePools().sorted(by: { (try? $0.name) ?? "" < (try? $1.name) ?? "" }) {
            do {
                let pool = try pool(handle)
                seen.insert(pool.uuid)
                pools.append(pool)
            } catch where error.isVanishedObject {
                continue
            }
        }
        storage.keep(onlyPools: seen)
        return pools
    }

    private mutating func pool(_ handle: LibvirtStoragePool) throws(LibvirtError) -> StoragePool {
        let uuid = try handle.uuid
        let info = try handle.info
        let state = PoolState(libvirt: info.state)
        let index = indexes.pools.index(for: uuid)
        let type = try storage.pool(uuid) { () throws(LibvirtError) in StorageDefinition(xml: try handle.xml) }.type
        var volumes: [Volume] = []
        if state == .running || state == .degraded {
            var keys = Set<String>()
            for volume in try handle.volumes().sorted(by: { (try? $0.name) ?? "" < (try? $1.name) ?? "" }) {
                do throws(LibvirtError) {
                    let volume = try self.volume(volume, poolIndex: index, poolUUID: uuid)
                    keys.insert(volume.key)
                    volumes.append(volume)
                } catch where error.isVanishedObject {
                    continue
                }
            }
            storage.keep(only: keys, of: uuid)
            // File and block volumes' chains, inspected in one batch.
            // Not for a poll abandoned in libvirt: its result is thrown away.
            let images = isAbandoned() ? [] : volumes.indices.filter { volumes[$0].type == .file || volumes[$0].type == .block }
            let outcomes = inspections.chains(of: images.map { (volumes[$0].path, volumes[$0].format.isEmpty ? nil : volumes[$0].format) })
            let sizesFromFiles = storageReportsFileSizes && VolumeSizes.poolTypesOfLocalFiles.contains(type)
            for (position, outcome) in zip(images, outcomes) {
                (volumes[position].chain, volumes[position].inspectionOverdue) = Self.chain(outcome)
                if sizesFromFiles, case .finished(let chain) = outcome { VolumeSizes.update(&volumes[position], from: chain) }
            }
        } else {
            storage.keep(only: [], of: uuid)
        }
        return StoragePool(
            index: index, name: try handle.name, uuid: uuid, type: type,
            state: state, capacity: info.capacity, allocation: info.allocation, available: info.available,
            autostart: try handle.autostart, persistent: try handle.isPersistent, volumes: volumes)
    }

    private mutating func volume(_ handle: LibvirtStorageVolume, poolIndex: UInt32,
                                 poolUUID: String) throws(LibvirtError) -> Volume {
        // Name and key are held by the handle (no call); the rest is kept between polls.
        let key = try handle.key
        let facts = try storage.volume(key: key, pool: poolUUID) { () throws(LibvirtError) in try Self.facts(of: handle) }
        return Volume(
            index: indexes.volume(key, ofPool: poolUUID), poolIndex: poolIndex, name: try handle.name,
            path: facts.path, key: key, type: facts.type, format: facts.format, capacity: facts.capacity,
            allocation: facts.allocation, physical: facts.physical, backingPath: facts.backingPath, chain: nil)
    }

    /// One call: the XML carries the path, type, sizes and backing store that four
    /// calls would; a driver whose XML lacks something is asked for it.
    private static func facts(of handle: LibvirtStorageVolume) throws(LibvirtError) -> VolumeFacts {
        let definition = StorageDefinition(xml: try handle.xml)
        var (type, path) = (VolumeType(name: definition.type), definition.path)
        var (capacity, allocation) = (definition.capacity, definition.allocation)
        if type == nil || path.isEmpty || capacity == nil || allocation == nil {
            let info = try handle.info()
            type = type ?? VolumeType(rawValue: Int32(info.type)) ?? .file
            capacity = capacity ?? info.capacity
            allocation = allocation ?? info.allocation
            if path.isEmpty { path = try handle.path }
        }
        return VolumeFacts(type: type ?? .file, path: path, format: definition.format, capacity: capacity ?? 0,
                           allocation: allocation ?? 0, physical: definition.physical ?? allocation ?? 0,
                           backingPath: definition.backingPath)
    }
}
